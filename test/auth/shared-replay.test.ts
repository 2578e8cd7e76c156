import { afterEach, describe, expect, it } from 'vitest';
import { finalizeEvent } from 'nostr-tools/pure';
import { checkHttpAuth, HTTP_AUTH_REPLAY_TTL_SECONDS } from '../../src/auth/nip98.js';
import { SharedReplayGuard, USED_HTTP_AUTH_COLLECTION } from '../../src/auth/shared-replay.js';
import { RelayError } from '../../src/nostr/reasons.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { identity, now } from '../helpers.js';

const URL_ = 'https://relay.example.com/';
const admin = identity();

// A nonce tag keeps two tokens signed in the same second distinct (identical tokens are one token).
function header(nonce = Math.random().toString(36).slice(2)): string {
  const tags = [['u', URL_], ['method', 'POST'], ['nonce', nonce]];
  const ev = finalizeEvent({ kind: 27235, created_at: now(), tags, content: '' }, admin.sk);
  return `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
}

describe('NIP-98 tokens are single use across instances sharing a store', () => {
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  it('refuses on a second instance a token the first accepted, and forgets it after the TTL', async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    // Two guards on one store: what two relay processes on one Firestore database do.
    const onA = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
    const onB = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
    const h = header();
    const req = { url: URL_, method: 'POST', nowSeconds: now() };
    expect(await checkHttpAuth(h, { ...req, replay: onA })).toBe(admin.pk);
    const onSecond = await checkHttpAuth(h, { ...req, replay: onB });
    expect((onSecond as RelayError).prefix).toBe('auth-required');
    expect((onSecond as RelayError).message).toContain('already used');
    // The same instance refuses it too (from its local cache).
    expect((await checkHttpAuth(h, { ...req, replay: onA })) instanceof RelayError).toBe(true);
    expect(await checkHttpAuth(header(), { ...req, replay: onB })).toBe(admin.pk);
    // Each record carries an expiry, so the store's purge removes it once the token is stale anyway.
    expect((await storage.kv.list(USED_HTTP_AUTH_COLLECTION)).length).toBe(2);
    await storage.events.purgeExpired(now() + HTTP_AUTH_REPLAY_TTL_SECONDS + 1);
    expect(await storage.kv.list(USED_HTTP_AUTH_COLLECTION)).toEqual([]);
  });

  it('a read token is reusable from the same IP on another instance, not from another IP; a write token never', async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    const onA = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
    const onB = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
    const read = { url: URL_, method: 'POST', nowSeconds: now(), isRead: true };
    const h = header();
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.1', replay: onA })).toBe(admin.pk);
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.1', replay: onB })).toBe(admin.pk);
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.2', replay: onB })).toBeInstanceOf(RelayError);
    // B learnt from the shared record who used it first: the first IP still may, on B too.
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.1', replay: onB })).toBe(admin.pk);
    // First seen on B from another IP, then on A: A follows the shared record, not its own first sighting.
    const h2 = header();
    expect(await checkHttpAuth(h2, { ...read, ip: '10.0.0.9', replay: onB })).toBe(admin.pk);
    expect(await checkHttpAuth(h2, { ...read, ip: '10.0.0.1', replay: onA })).toBeInstanceOf(RelayError);
    const w = header();
    const write = { url: URL_, method: 'POST', nowSeconds: now(), ip: '10.0.0.1' };
    expect(await checkHttpAuth(w, { ...write, replay: onA })).toBe(admin.pk);
    const again = await checkHttpAuth(w, { ...write, replay: onB });
    expect((again as RelayError).message).toMatch(/tokens of state-changing calls are single use/);
  });

  it('fails closed with error: when the store cannot record the token', async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    const guard = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
    await storage.close();
    const result = await checkHttpAuth(header(), { url: URL_, method: 'POST', nowSeconds: now(), replay: guard });
    expect(result).toBeInstanceOf(RelayError);
    expect((result as RelayError).prefix).toBe('error');
    storage = undefined;
  });
});
