import { describe, expect, it } from 'vitest';
import { authEventChecker, checkAuthEvent, makeChallenge, normalizeRelayUrl } from '../../src/auth/nip42.js';
import { identity, now, signed } from '../helpers.js';

const RELAY = 'wss://relay.example.com';
const alice = identity();

function authEvent(challenge: string, relay: string, created_at = now(), kind = 22242) {
  return signed(alice, { kind, created_at, content: '', tags: [['relay', relay], ['challenge', challenge]] });
}

function check(ev: ReturnType<typeof authEvent>, challenge: string, relayUrl = RELAY, at = now()) {
  return checkAuthEvent(ev, { challenge, relayUrl, nowSeconds: at, ttlSeconds: 600 });
}

describe('NIP-42 AUTH event check', () => {
  it('accepts a fresh event with the right challenge and relay', () => {
    const c = makeChallenge();
    expect(check(authEvent(c, RELAY), c)).toEqual({ ok: true });
  });

  it('makes distinct 32-hex-char challenges', () => {
    const a = makeChallenge();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(makeChallenge()).not.toBe(a);
  });

  it('refuses a wrong or missing challenge with auth-required', () => {
    const c = makeChallenge();
    const d = check(authEvent(makeChallenge(), RELAY), c);
    expect(d).toMatchObject({ ok: false, reason: { prefix: 'auth-required', message: 'challenge does not match' } });
    const noTag = signed(alice, { kind: 22242, content: '', tags: [['relay', RELAY]] });
    expect(check(noTag, c)).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
  });

  it('refuses another relay, another path, another scheme, or no relay tag', () => {
    const c = makeChallenge();
    for (const relay of ['wss://evil.example.com', 'wss://relay.example.com/other', 'ws://relay.example.com', 'not a url']) {
      expect(check(authEvent(c, relay), c), relay).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    }
    const noTag = signed(alice, { kind: 22242, content: '', tags: [['challenge', c]] });
    expect(check(noTag, c)).toMatchObject({ ok: false, reason: { message: 'AUTH event has no relay tag' } });
  });

  it('normalises host case, default ports and a trailing slash', () => {
    const c = makeChallenge();
    for (const relay of ['wss://RELAY.example.com', 'wss://relay.example.com:443', 'wss://relay.example.com/', 'WSS://relay.example.com:443/']) {
      expect(check(authEvent(c, relay), c), relay).toEqual({ ok: true });
    }
    expect(check(authEvent(c, 'ws://relay.test/'), c, 'ws://relay.test:80')).toEqual({ ok: true });
    expect(check(authEvent(c, 'ws://relay.test:8080/nostr/'), c, 'ws://relay.test:8080/nostr')).toEqual({ ok: true });
    expect(check(authEvent(c, 'ws://relay.test:8080'), c, 'ws://relay.test:8081')).toMatchObject({ ok: false });
    expect(normalizeRelayUrl('wss://Relay.Example.com:443/x/')).toBe('wss://relay.example.com/x');
  });

  it('refuses events older or newer than the TTL', () => {
    const c = makeChallenge();
    const t = now();
    expect(check(authEvent(c, RELAY, t - 601), c, RELAY, t)).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(check(authEvent(c, RELAY, t + 601), c, RELAY, t)).toMatchObject({ ok: false });
    expect(check(authEvent(c, RELAY, t - 599), c, RELAY, t)).toEqual({ ok: true });
  });

  it('refuses a kind other than 22242 as invalid', () => {
    const c = makeChallenge();
    expect(check(authEvent(c, RELAY, now(), 1), c)).toMatchObject({ ok: false, reason: { prefix: 'invalid' } });
  });

  it('authEventChecker returns the refusal text in the session layer shape', () => {
    const c = makeChallenge();
    const checker = authEventChecker(RELAY, 600);
    expect(checker(authEvent(c, RELAY), c)).toBeUndefined();
    expect(checker(authEvent(c, RELAY), 'other')).toBe('challenge does not match');
  });
});
