/**
 * nostr-tools 2.25 SimplePool against a real relay with `[auth] required = true` and an allowlist.
 * Auth idioms: the pool's `automaticallyAuth` (answers every challenge) and the per-call `onauth`
 * of publish/subscribe (authenticates after `auth-required:` and retries).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { finalizeEvent, type EventTemplate, type Event } from 'nostr-tools/pure';
import type { TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { authedPubkeys, captureUnhandledRejections, deferred, dropConnections, nextTurn, PROMPT_MS, splitAtEose, startAuthRelay, within } from './support.js';

/** Every frame the relay sent to any pool of this file (event ids are unique, so tests can filter). */
const received: unknown[][] = [];

// The pool module keeps its own WebSocket implementation (Node 20 has no global one): ws, recording
// what the relay sends, since nostr-tools does not expose refused-then-retried frames.
class RecordingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as unknown[]));
  }
}
useWebSocketImplementation(RecordingWebSocket);

const alice = identity();
const mallory = identity(); // not on the allowlist
let relay: TestRelay;
let pools: SimplePool[] = [];

const signer = (who: Identity) => async (t: EventTemplate) => finalizeEvent(t, who.sk);

/** A pool that signs every AUTH challenge as `who` (the pool-wide idiom). */
function poolAs(who: Identity): SimplePool {
  const pool = new SimplePool();
  // SimplePool's constructor type admits only enablePing/enableReconnect; automaticallyAuth is a property.
  // The pool is only ever given the test relay's URL.
  pool.automaticallyAuth = () => signer(who);
  pools.push(pool);
  return pool;
}

/** A pool without automatic auth: only per-call `onauth` authenticates. */
function lazyPool(): SimplePool {
  const pool = new SimplePool();
  pools.push(pool);
  return pool;
}

/** Publishes to the test relay with the per-call `onauth` (covers the race with the connect-time AUTH). */
function publish(pool: SimplePool, ev: Event, who: Identity, url = relay.url): Promise<string> {
  return pool.publish([url], ev, { onauth: signer(who) })[0]!;
}

beforeAll(async () => {
  relay = await startAuthRelay([alice]);
});
afterEach(() => {
  for (const p of pools) p.destroy();
  pools = [];
});
afterAll(async () => {
  await relay?.stop();
});

describe('nostr-tools SimplePool', () => {
  it('connects, authenticates and publishes (OK true)', async () => {
    const pool = poolAs(alice);
    const ev = signed(alice);
    await expect(publish(pool, ev, alice)).resolves.toBe('');
    expect(authedPubkeys(relay)).toContain(alice.pk);
    const got = await pool.querySync([relay.url], { ids: [ev.id] });
    expect(got.map((e) => e.id)).toEqual([ev.id]);
  });

  it('replaceable: of two kind 0 versions a query returns the newer', async () => {
    const pool = poolAs(alice);
    const older = signed(alice, { kind: 0, content: '{"name":"old"}', created_at: now() - 10 });
    const newer = signed(alice, { kind: 0, content: '{"name":"new"}', created_at: now() - 5 });
    await publish(pool, older, alice);
    await publish(pool, newer, alice);
    const got = await pool.querySync([relay.url], { kinds: [0], authors: [alice.pk] });
    expect(got.map((e) => e.id)).toEqual([newer.id]);
  });

  it('subscribe: stored events, EOSE, then a live event', async () => {
    const pool = poolAs(alice);
    const tag = `t-${Math.random()}`;
    const stored = signed(alice, { tags: [['t', tag]] });
    await publish(pool, stored, alice);
    const split = splitAtEose();
    const sub = pool.subscribeMany([relay.url], { '#t': [tag] }, {
      onauth: signer(alice),
      onevent: (e) => split.onEvent(e.id),
      oneose: split.onEose,
    });
    await split.eose;
    expect(split.stored).toEqual([stored.id]);
    const next = signed(alice, { tags: [['t', tag]] });
    await publish(pool, next, alice);
    expect(await split.live).toBe(next.id);
    sub.close();
  });

  it('COUNT through the pool relay handle', async () => {
    const pool = poolAs(alice);
    const tag = `c-${Math.random()}`;
    for (let i = 0; i < 3; i++) await publish(pool, signed(alice, { tags: [['t', tag]] }), alice);
    const r = await pool.ensureRelay(relay.url);
    expect(await r.count([{ '#t': [tag] }], {})).toBe(3);
  });

  it('NIP-09 deletion by the author removes the event from later queries', async () => {
    const pool = poolAs(alice);
    const ev = signed(alice);
    await publish(pool, ev, alice);
    await publish(pool, signed(alice, { kind: 5, tags: [['e', ev.id], ['k', '1']] }), alice);
    expect(await pool.querySync([relay.url], { ids: [ev.id] })).toEqual([]);
  });

  it('lazy auth: publish and REQ meet auth-required:, the pool authenticates and retries', async () => {
    const pool = lazyPool();
    const ev = signed(alice);
    // No automaticallyAuth: the first EVENT is refused auth-required:, onauth signs, the pool retries.
    await expect(publish(pool, ev, alice)).resolves.toBe('');
    const oks = received.filter((m) => m[0] === 'OK' && m[1] === ev.id);
    expect(oks.map((m) => m[2])).toEqual([false, true]);
    expect(String(oks[0]![3])).toMatch(/^auth-required:/);
    const reasons: string[] = [];
    const got: string[] = [];
    const done = deferred<void>();
    const pool2 = lazyPool();
    const from = received.length;
    pool2.subscribeMany([relay.url], { ids: [ev.id] }, {
      onauth: signer(alice),
      onevent: (e) => got.push(e.id),
      oneose: () => done.resolve(),
      onclose: (rs) => reasons.push(...rs.map((r) => r.reason)),
    });
    await done.promise;
    expect(got).toEqual([ev.id]);
    expect(reasons).toEqual([]);
    expect(received.slice(from).some((m) => m[0] === 'CLOSED' && String(m[2]).startsWith('auth-required:'))).toBe(true);
  });

  it('non-allowed user: the lazy publish rejects with restricted: promptly', async () => {
    const pool = lazyPool();
    const outcome = await within(publish(pool, signed(mallory), mallory), PROMPT_MS);
    expect(outcome.state).toBe('rejected');
    expect(outcome.state === 'rejected' && outcome.error).toMatch(/^restricted:/);
  });

  it('non-allowed user: after a refused automatic AUTH, publish and REQ get restricted: promptly', async () => {
    // nostr-tools 2.25.2 bug: when the AUTH sent for `onauth`/automaticallyAuth is refused, the
    // relay's message handler rethrows the refusal inside a .catch (pool.js, case "AUTH"), which
    // becomes an unhandled promise rejection. Collected here and asserted, so the test documents it.
    const unhandled = captureUnhandledRejections();
    try {
      const pool = poolAs(mallory);
      const outcome = await within(publish(pool, signed(mallory), mallory), PROMPT_MS);
      expect(outcome.state).toBe('rejected');
      expect(outcome.state === 'rejected' && outcome.error).toMatch(/restricted:/);
      const closed = deferred<string[]>();
      pool.subscribeMany([relay.url], { kinds: [1] }, { onevent: () => {}, onclose: (rs) => closed.resolve(rs.map((r) => r.reason)) });
      const reasons = await within(closed.promise, PROMPT_MS);
      expect(reasons.state).toBe('resolved');
      expect(reasons.state === 'resolved' && reasons.value[0]).toMatch(/^restricted:/);
      await nextTurn();
      expect(unhandled.errors.map(String)).toEqual([expect.stringMatching(/restricted:/)]);
    } finally {
      unhandled.restore();
    }
  });

  it('reconnects after the relay closes an idle connection', async () => {
    const pool = poolAs(alice);
    await publish(pool, signed(alice), alice);
    const r = await pool.ensureRelay(relay.url);
    const closed = deferred<void>();
    r.onclose = () => closed.resolve();
    expect(dropConnections(relay)).toBeGreaterThan(0);
    await closed.promise;
    expect(r.connected).toBe(false);
    // The pool opens a new connection on the next call and authenticates again.
    const ev = signed(alice);
    await expect(publish(pool, ev, alice)).resolves.toBe('');
    expect((await pool.querySync([relay.url], { ids: [ev.id] })).map((e) => e.id)).toEqual([ev.id]);
  });

  it('reconnects after the relay idle timeout (limits.idle_timeout_seconds = 1)', async () => {
    const idle = await startAuthRelay([alice], { limits: { idle_timeout_seconds: 1 } });
    try {
      const pool = poolAs(alice);
      await publish(pool, signed(alice), alice, idle.url);
      const r = await pool.ensureRelay(idle.url);
      const closed = deferred<void>();
      r.onclose = () => closed.resolve();
      await closed.promise; // the relay closes the quiet connection after about a second
      const ev = signed(alice);
      await expect(publish(pool, ev, alice, idle.url)).resolves.toBe('');
      expect((await pool.querySync([idle.url], { ids: [ev.id] })).map((e) => e.id)).toEqual([ev.id]);
    } finally {
      await idle.stop();
    }
  });
});
