/**
 * @nostrify/nostrify 0.54.1 (NRelay1, NPool) against a real relay with `[auth] required = true`.
 * Auth idiom: NRelay1's `auth(challenge)` option, which signs the kind 22242 with an NSecSigner; the
 * library answers the challenge on connect and retries an EVENT/REQ refused with `auth-required:`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NPool, NRelay1, NSecSigner, type NostrEvent } from '@nostrify/nostrify';
import type { TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { authedPubkeys, dropConnections, installGlobalWebSocket, PROMPT_MS, startAuthRelay, within } from './support.js';

installGlobalWebSocket(); // websocket-ts, under NRelay1, uses the global WebSocket

const alice = identity();
const mallory = identity(); // not on the allowlist
let relay: TestRelay;
let open: { close(): Promise<void> }[] = [];

/** The relay frames NRelay1 received, from its trace log. */
type Seen = unknown[][];

/** An NRelay1 that answers AUTH as `who` with NSecSigner; records received frames in `seen`. */
function relayAs(who: Identity, seen: Seen = []): NRelay1 {
  const signer = new NSecSigner(who.sk);
  const r = new NRelay1(relay.url, {
    auth: (challenge) =>
      signer.signEvent({ kind: 22242, content: '', created_at: now(), tags: [['relay', relay.url], ['challenge', challenge]] }),
    backoff: false,
    idleTimeout: false,
    log: (log) => {
      if (log.ns === 'relay.ws.message' && Array.isArray(log.data)) seen.push(log.data as unknown[]);
    },
  });
  open.push(r);
  return r;
}

beforeAll(async () => {
  relay = await startAuthRelay([alice]);
});
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});
afterAll(async () => {
  await relay?.stop();
});

describe('nostrify NRelay1', () => {
  it('connects, authenticates and publishes (OK true)', async () => {
    const r = relayAs(alice);
    const ev = signed(alice);
    await r.event(ev); // throws on OK false
    expect(authedPubkeys(relay)).toContain(alice.pk);
    expect((await r.query([{ ids: [ev.id] }])).map((e) => e.id)).toEqual([ev.id]);
  });

  it('replaceable: of two kind 10002 versions a query returns the newer', async () => {
    const r = relayAs(alice);
    const older = signed(alice, { kind: 10002, content: '', tags: [['r', 'wss://old.example']], created_at: now() - 10 });
    const newer = signed(alice, { kind: 10002, content: '', tags: [['r', 'wss://new.example']], created_at: now() - 5 });
    await r.event(older);
    await r.event(newer);
    expect((await r.query([{ kinds: [10002], authors: [alice.pk] }])).map((e) => e.id)).toEqual([newer.id]);
  });

  it('subscribe: stored events, EOSE, then a live event', async () => {
    const r = relayAs(alice);
    const tag = `t-${Math.random()}`;
    const stored = signed(alice, { tags: [['t', tag]] });
    await r.event(stored);
    const ac = new AbortController();
    const it = r.req([{ '#t': [tag] }], { signal: ac.signal })[Symbol.asyncIterator]();
    const before: string[] = [];
    for (let msg = await it.next(); !msg.done && msg.value[0] !== 'EOSE'; msg = await it.next()) {
      if (msg.value[0] === 'EVENT') before.push(msg.value[2].id);
    }
    expect(before).toEqual([stored.id]);
    const next = signed(alice, { tags: [['t', tag]] });
    await r.event(next);
    const live = await it.next();
    expect(!live.done && live.value[0] === 'EVENT' && live.value[2].id).toBe(next.id);
    ac.abort();
  });

  it('COUNT (NRelay1.count)', async () => {
    const r = relayAs(alice);
    const tag = `c-${Math.random()}`;
    for (let i = 0; i < 3; i++) await r.event(signed(alice, { tags: [['t', tag]] }));
    expect(await r.count([{ '#t': [tag] }])).toEqual({ count: 3 });
  });

  it('NIP-09 deletion by the author removes the event from later queries', async () => {
    const r = relayAs(alice);
    const ev = signed(alice);
    await r.event(ev);
    await r.event(signed(alice, { kind: 5, tags: [['e', ev.id], ['k', '1']] }));
    expect(await r.query([{ ids: [ev.id] }])).toEqual([]);
  });

  it('lazy auth: the first EVENT and REQ meet auth-required:, NRelay1 authenticates and retries', async () => {
    const seen: Seen = [];
    const r = relayAs(alice, seen);
    const ev = signed(alice);
    // Sent at once on a fresh connection, before the library has answered the challenge.
    const [published, got] = await Promise.all([r.event(ev), r.query([{ authors: [alice.pk], limit: 1 }])]);
    expect(published).toBeUndefined();
    expect(got).toHaveLength(1);
    const okFrames = seen.filter((m) => m[0] === 'OK' && m[1] === ev.id);
    expect(okFrames.map((m) => m[2])).toEqual([false, true]);
    expect(String(okFrames[0]![3])).toMatch(/^auth-required:/);
    expect(seen.some((m) => m[0] === 'CLOSED' && String(m[2]).startsWith('auth-required:'))).toBe(true);
  });

  it('non-allowed user: EVENT rejects with restricted: promptly; count() and query() settle without the reason', async () => {
    const r = relayAs(mallory);
    const published = await within(r.event(signed(mallory)), PROMPT_MS);
    expect(published.state).toBe('rejected');
    expect(published.state === 'rejected' && published.error).toMatch(/^restricted:/);
    // nostrify 0.54.1 drops the CLOSED reason (NRelay1.ts): count() rejects with a fixed
    // "Subscription closed", and req() ends without yielding the CLOSED, so query() resolves to [].
    // The test can only assert that they settle promptly.
    const counted = await within(r.count([{ kinds: [1] }]), PROMPT_MS);
    expect(counted).toEqual({ state: 'rejected', error: 'Subscription closed' });
    const queried = await within(r.query([{ kinds: [1] }]), PROMPT_MS);
    expect(queried).toEqual({ state: 'resolved', value: [] });
  });

  it('reconnects after the relay closes an idle connection', async () => {
    const seen: Seen = [];
    const r = relayAs(alice, seen);
    await r.event(signed(alice));
    const closed = new Promise((resolve) => r.socket.addEventListener('close' as never, resolve as never, { once: true }));
    expect(dropConnections(relay)).toBeGreaterThan(0); // other tests' sockets may still be closing
    await closed;
    // With no open subscription NRelay1 lets the socket stay closed and opens a new one on the next call.
    const ev = signed(alice);
    await r.event(ev);
    expect((await r.query([{ ids: [ev.id] }])).map((e) => e.id)).toEqual([ev.id]);
    expect(seen.filter((m) => m[0] === 'AUTH')).toHaveLength(2);
  });
});

describe('nostrify NPool', () => {
  it('routes publish and query to the test relay only, with NRelay1 auth', async () => {
    const url = relay.url;
    const pool = new NPool<NRelay1>({
      open: () => relayAs(alice),
      reqRouter: (filters) => new Map([[url, filters]]),
      eventRouter: () => [url],
    });
    open.push(pool);
    const ev: NostrEvent = signed(alice);
    await pool.event(ev);
    expect((await pool.query([{ ids: [ev.id] }])).map((e) => e.id)).toEqual([ev.id]);
    expect([...pool.relays.keys()]).toEqual([url]);
  });
});
