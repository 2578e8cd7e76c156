import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { checkHttpAuth, relayHttpUrl, relayWsUrl } from '../../src/auth/nip98.js';
import { ReplayCache } from '../../src/auth/replay-cache.js';
import { RelayError } from '../../src/nostr/reasons.js';
import { identity, now } from '../helpers.js';

const URL_ = 'https://relay.example.com/';
const admin = identity();

function header(fields: { url?: string; method?: string; payload?: string; created_at?: number; kind?: number }) {
  const tags = [
    ['u', fields.url ?? URL_],
    ['method', fields.method ?? 'POST'],
  ];
  if (fields.payload) tags.push(['payload', fields.payload]);
  const ev = finalizeEvent({ kind: fields.kind ?? 27235, created_at: fields.created_at ?? now(), tags, content: '' }, admin.sk);
  return `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('NIP-98 HTTP auth', () => {
  it('accepts a token made by nostr-tools and returns the pubkey', async () => {
    const body = { method: 'supportedmethods', params: [] };
    const token = await getToken(URL_, 'post', (e) => finalizeEvent(e, admin.sk), true, body);
    const result = await checkHttpAuth(token, {
      url: URL_,
      method: 'POST',
      body: Buffer.from(JSON.stringify(body)),
      nowSeconds: now(),
      replay: new ReplayCache(120),
    });
    expect(result).toBe(admin.pk);
  });

  it('refuses a missing or malformed header with auth-required', async () => {
    for (const h of [undefined, '', 'Bearer abc', 'Nostr !!!', `Nostr ${Buffer.from('{"x":1}').toString('base64')}`]) {
      const r = await checkHttpAuth(h, { url: URL_, method: 'POST', nowSeconds: now(), replay: new ReplayCache(120) });
      expect(r, String(h)).toBeInstanceOf(RelayError);
      expect((r as RelayError).prefix).toBe('auth-required');
    }
  });

  it('refuses a wrong URL, method, kind or a stale event', async () => {
    const replay = new ReplayCache(120);
    const cases: [string, string][] = [
      [header({ url: 'https://relay.example.com/other' }), 'u tag'],
      [header({ url: 'https://evil.example.com/' }), 'u tag'],
      [header({ method: 'GET' }), 'method tag'],
      [header({ created_at: now() - 120 }), 'created_at'],
      [header({ created_at: now() + 120 }), 'created_at'], // well past 60 s: a second boundary between signing and checking must not matter
      [header({ kind: 27236 }), 'kind'],
    ];
    for (const [h, what] of cases) {
      const r = await checkHttpAuth(h, { url: URL_, method: 'POST', nowSeconds: now(), replay });
      expect(r, what).toBeInstanceOf(RelayError);
      expect((r as RelayError).message).toContain(what);
    }
  });

  it('normalises the URL as a parser does (host case, default port, empty path)', async () => {
    const r = await checkHttpAuth(header({ url: 'https://RELAY.example.com:443' }), {
      url: URL_,
      method: 'post',
      nowSeconds: now(),
      replay: new ReplayCache(120),
    });
    expect(r).toBe(admin.pk);
  });

  it('requires a matching payload when a body is present', async () => {
    const replay = new ReplayCache(120);
    const body = Buffer.from('{"method":"banpubkey","params":[]}');
    const opts = { url: URL_, method: 'POST', body, nowSeconds: now(), replay };
    expect((await checkHttpAuth(header({}), opts) as RelayError).message).toContain('payload tag is required');
    const other = sha(Buffer.from('{"method":"supportedmethods","params":[]}'));
    expect((await checkHttpAuth(header({ payload: other }), opts) as RelayError).message).toContain('does not match the body');
    expect(await checkHttpAuth(header({ payload: sha(body) }), opts)).toBe(admin.pk);
  });

  it('refuses a tampered signature', async () => {
    const ev = JSON.parse(Buffer.from(header({}).slice(6), 'base64').toString()) as { sig: string };
    ev.sig = (ev.sig[0] === 'a' ? 'b' : 'a') + ev.sig.slice(1);
    const h = `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
    const r = await checkHttpAuth(h, { url: URL_, method: 'POST', nowSeconds: now(), replay: new ReplayCache(120) });
    expect((r as RelayError).message).toContain('signature');
  });

  it('refuses a replayed token, also from the default process-wide cache', async () => {
    const replay = new ReplayCache(120);
    const h = header({});
    expect(await checkHttpAuth(h, { url: URL_, method: 'POST', nowSeconds: now(), replay })).toBe(admin.pk);
    expect((await checkHttpAuth(h, { url: URL_, method: 'POST', nowSeconds: now(), replay }) as RelayError).message).toContain(
      'already used',
    );
    const h2 = header({ payload: sha(Buffer.from('x')) });
    const opts = { url: URL_, method: 'POST', body: Buffer.from('x'), nowSeconds: now() };
    expect(await checkHttpAuth(h2, opts)).toBe(admin.pk);
    expect(await checkHttpAuth(h2, opts)).toBeInstanceOf(RelayError);
  });

  it('lets a read token be used again from the same IP only; a write token is single use whatever the IP', async () => {
    const replay = new ReplayCache(120);
    const h = header({});
    const read = { url: URL_, method: 'POST', nowSeconds: now(), replay, isRead: true };
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.1' })).toBe(admin.pk);
    expect(await checkHttpAuth(h, { ...read, ip: '10.0.0.1' })).toBe(admin.pk);
    expect(((await checkHttpAuth(h, { ...read, ip: '10.0.0.2' })) as RelayError).message).toMatch(/only by the same client/);
    // Without an IP nothing ties the reuse to a client: refused.
    const h2 = header({ payload: sha(Buffer.from('y')) });
    const noIp = { url: URL_, method: 'POST', body: Buffer.from('y'), nowSeconds: now(), replay, isRead: true };
    expect(await checkHttpAuth(h2, noIp)).toBe(admin.pk);
    expect(await checkHttpAuth(h2, noIp)).toBeInstanceOf(RelayError);
    const h3 = header({ payload: sha(Buffer.from('z')) });
    const write = { url: URL_, method: 'POST', body: Buffer.from('z'), nowSeconds: now(), replay, ip: '10.0.0.1' };
    expect(await checkHttpAuth(h3, write)).toBe(admin.pk);
    expect(((await checkHttpAuth(h3, write)) as RelayError).message).toMatch(/tokens of state-changing calls are single use/);
  });

  it('replay cache stays bounded and forgets expired ids', async () => {
    const cache = new ReplayCache(10, 3);
    for (const id of ['a', 'b', 'c', 'd']) expect(cache.remember(id, 100)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.remember('a', 100)).toBe(true); // evicted, so accepted again (the window check still bounds it)
    expect(cache.remember('d', 105)).toBe(false);
    expect(cache.remember('d', 111)).toBe(true);
  });

  it('accepts an alternative spelling of the URL only when the caller lists it', async () => {
    const h = header({ url: 'wss://relay.example.com' });
    const base = { url: URL_, method: 'POST', nowSeconds: now(), replay: new ReplayCache(120) };
    expect(await checkHttpAuth(h, base)).toBeInstanceOf(RelayError);
    expect(await checkHttpAuth(h, { ...base, alsoUrls: ['wss://relay.example.com/'] })).toBe(admin.pk);
    expect(relayWsUrl('https://relay.example.com/')).toBe('wss://relay.example.com/');
  });

  it('derives the relay http URL from server.url', async () => {
    expect(relayHttpUrl('wss://relay.example.com')).toBe('https://relay.example.com/');
    expect(relayHttpUrl('ws://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/');
    expect(relayHttpUrl('wss://relay.example.com:8443/nostr')).toBe('https://relay.example.com:8443/nostr');
  });
});
