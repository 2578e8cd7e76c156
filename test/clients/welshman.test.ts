/**
 * @welshman/net 0.8.15 (with @welshman/util and @welshman/lib 0.8.15) against a real relay with
 * `[auth] required = true`. Auth idiom: a Pool whose sockets carry the default socket policies plus
 * makeSocketPolicyAuth({ sign }); socketPolicyAuthBuffer replays messages refused `auth-required:`
 * once AUTH succeeds. Every call gets `context: { pool }`, so only that pool's sockets (the test
 * relay) are used. welshman has no COUNT API (nothing to test there).
 */
import './welshman-noble-v1.js'; // must precede the dynamic import of @welshman/* below
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { finalizeEvent } from 'nostr-tools/pure';
import type { TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { authedPubkeys, deferred, dropConnections, PROMPT_MS, splitAtEose, startAuthRelay, within } from './support.js';

type Net = typeof import('@welshman/net');
type Pool = InstanceType<Net['Pool']>;
type SignedEvent = ReturnType<typeof signed>;

let net: Net;
const alice = identity();
const mallory = identity(); // not on the allowlist
let relay: TestRelay;
let pools: Pool[] = [];

/** A pool whose sockets authenticate as `who` (makeSocketPolicyAuth) and record received frames. */
function poolAs(who: Identity, received: unknown[][] = []): Pool {
  const { Pool, Socket, SocketEvent, defaultSocketPolicies, makeSocketPolicyAuth } = net;
  const auth = makeSocketPolicyAuth({ sign: async (t) => finalizeEvent(t, who.sk) });
  const pool = new Pool({
    makeSocket: (url) => {
      const socket = new Socket(url, [...defaultSocketPolicies, auth]);
      socket.on(SocketEvent.Receiving, (m: unknown[]) => received.push(m));
      return socket;
    },
  });
  pools.push(pool);
  return pool;
}

async function publish(pool: Pool, event: SignedEvent, timeout = 3000) {
  const results = await net.publish({ event, relays: [relay.url], context: { pool }, timeout });
  return Object.values(results)[0]!;
}

/** A one-shot query. isEventDeleted is off so that only the relay decides what a deletion hides. */
async function query(pool: Pool, filters: Parameters<Net['request']>[0]['filters']): Promise<string[]> {
  const events = await net.request({ relays: [relay.url], filters, context: { pool }, autoClose: true, isEventDeleted: () => false });
  return events.map((e) => e.id);
}

beforeAll(async () => {
  net = await import('@welshman/net');
  // Sockets batch sends and receipts every Socket.batchDelay (100 ms by default); a public knob,
  // lowered so that the file's many round trips take milliseconds. Behaviour is otherwise unchanged.
  net.Socket.batchDelay = 5;
  relay = await startAuthRelay([alice]);
});
afterEach(() => {
  for (const p of pools) p.clear();
  pools = [];
});
afterAll(async () => {
  await relay?.stop();
});

describe('welshman net', () => {
  it('connects, authenticates and publishes (OK true)', async () => {
    const pool = poolAs(alice);
    const ev = signed(alice);
    expect(await publish(pool, ev)).toMatchObject({ status: 'success' });
    expect(pool.get(relay.url).auth.status).toBe(net.AuthStatus.Ok);
    expect(authedPubkeys(relay)).toContain(alice.pk);
    expect(await query(pool, [{ ids: [ev.id] }])).toEqual([ev.id]);
  });

  it('replaceable: of two kind 10002 versions a query returns the newer', async () => {
    const pool = poolAs(alice);
    const older = signed(alice, { kind: 10002, content: '', tags: [['r', 'wss://old.example']], created_at: now() - 10 });
    const newer = signed(alice, { kind: 10002, content: '', tags: [['r', 'wss://new.example']], created_at: now() - 5 });
    expect((await publish(pool, older)).status).toBe('success');
    expect((await publish(pool, newer)).status).toBe('success');
    expect(await query(pool, [{ kinds: [10002], authors: [alice.pk] }])).toEqual([newer.id]);
  });

  it('subscribe: stored events, EOSE, then a live event', async () => {
    const pool = poolAs(alice);
    const tag = `t-${Math.random()}`;
    const stored = signed(alice, { tags: [['t', tag]] });
    await publish(pool, stored);
    const split = splitAtEose();
    const ac = new AbortController();
    void net.request({
      relays: [relay.url],
      filters: [{ '#t': [tag] }],
      context: { pool },
      signal: ac.signal,
      onEvent: (e) => split.onEvent(e.id),
      onEose: split.onEose,
    });
    await split.eose;
    expect(split.stored).toEqual([stored.id]);
    const next = signed(alice, { tags: [['t', tag]] });
    await publish(pool, next);
    expect(await split.live).toBe(next.id);
    ac.abort();
  });

  it('NIP-09 deletion by the author removes the event from later queries', async () => {
    const pool = poolAs(alice);
    const ev = signed(alice);
    await publish(pool, ev);
    expect((await publish(pool, signed(alice, { kind: 5, tags: [['e', ev.id], ['k', '1']] }))).status).toBe('success');
    expect(await query(pool, [{ ids: [ev.id] }])).toEqual([]);
  });

  it('lazy auth: an EVENT and a REQ refused auth-required: are replayed after AUTH', async () => {
    const received: unknown[][] = [];
    const pool = poolAs(alice, received);
    const ev = signed(alice);
    // Both go out as the socket opens, before the challenge is answered.
    const [published, got] = await Promise.all([publish(pool, ev), query(pool, [{ authors: [alice.pk], limit: 1 }])]);
    expect(published.status).toBe('success');
    expect(got).toHaveLength(1);
    const oks = received.filter((m) => m[0] === 'OK' && m[1] === ev.id);
    expect(oks.map((m) => m[2])).toEqual([false, true]);
    expect(String(oks[0]![3])).toMatch(/^auth-required:/);
    expect(received.some((m) => m[0] === 'CLOSED' && String(m[2]).startsWith('auth-required:'))).toBe(true);
  });

  it('non-allowed user: auth is Forbidden with restricted:, and later calls get restricted: promptly', async () => {
    const pool = poolAs(mallory);
    const socket = pool.get(relay.url);
    const forbidden = deferred<void>();
    socket.auth.on(net.AuthStateEvent.Status, (s: string) => s === net.AuthStatus.Forbidden && forbidden.resolve());
    socket.attemptToOpen();
    expect((await within(forbidden.promise, PROMPT_MS)).state).toBe('resolved');
    expect(socket.auth.details).toMatch(/^restricted:/);
    const published = await within(publish(pool, signed(mallory)), PROMPT_MS);
    expect(published).toEqual({ state: 'resolved', value: expect.objectContaining({ status: 'failure', detail: expect.stringMatching(/^restricted:/) }) });
    const closed = deferred<string>();
    void net.request({ relays: [relay.url], filters: [{ kinds: [1] }], context: { pool }, autoClose: true, onClosed: (reason) => closed.resolve(reason) });
    expect(await within(closed.promise, PROMPT_MS)).toEqual({ state: 'resolved', value: expect.stringMatching(/^restricted:/) });
  });

  it('non-allowed user: a publish sent before the refused AUTH is swallowed and times out (library behaviour)', async () => {
    // @welshman/net 0.8.15: socketPolicyAuthBuffer hides the OK false "auth-required:" from the
    // caller to replay the EVENT after AUTH, but on a Forbidden AUTH it drops its buffer without
    // replaying or failing it, so the publish ends in its own timeout (kept short here).
    const pool = poolAs(mallory);
    const result = await publish(pool, signed(mallory), 500);
    expect(result).toMatchObject({ status: 'timeout' });
    expect(pool.get(relay.url).auth.details).toMatch(/^restricted:/);
  });

  it('reconnects after the relay closes an idle connection', async () => {
    const pool = poolAs(alice);
    expect((await publish(pool, signed(alice))).status).toBe('success');
    const socket = pool.get(relay.url);
    const closed = deferred<void>();
    socket.on(net.SocketEvent.Status, (s: string) => s === net.SocketStatus.Closed && closed.resolve());
    expect(dropConnections(relay)).toBeGreaterThan(0); // other tests' sockets may still be closing
    await closed.promise;
    // socketPolicyConnectOnSend reopens on the next send; the auth policy answers the new challenge.
    const ev = signed(alice);
    expect((await publish(pool, ev)).status).toBe('success');
    expect(await query(pool, [{ ids: [ev.id] }])).toEqual([ev.id]);
  });
});
