/**
 * @nostr-dev-kit/ndk 3.0.3 against a real relay with `[auth] required = true` and an allowlist.
 * Auth idiom: `ndk.relayAuthDefaultPolicy = NDKRelayAuthPolicies.signIn({ ndk })` with an
 * NDKPrivateKeySigner. Only the test relay is ever contacted: the outbox model (whose default pool is
 * purplepag.es and nos.lol) and user-relay discovery are off, and relayConnectionFilter refuses any
 * other URL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import NDK, { NDKEvent, NDKPrivateKeySigner, NDKPublishError, NDKRelayAuthPolicies, NDKRelaySet, type NDKAuthPolicy, type NDKFilter, type NDKRelay } from '@nostr-dev-kit/ndk';
import type { TestRelay } from '../harness.js';
import { identity, now, type Identity } from '../helpers.js';
import { authedPubkeys, captureUnhandledRejections, deferred, dropConnections, installGlobalWebSocket, nextTurn, PROMPT_MS, splitAtEose, startAuthRelay, within } from './support.js';

installGlobalWebSocket(); // NDK constructs `new WebSocket(url)` from the global

const alice = identity();
const mallory = identity(); // not on the allowlist
let relay: TestRelay;
let instances: NDK[] = [];

/** An NDK instance for `who`, connected to the test relay only, signing AUTH with signIn() unless `policy` is given. */
async function ndkAs(
  who: Identity,
  { waitForConnect = true, policy }: { waitForConnect?: boolean; policy?: NDKAuthPolicy } = {},
): Promise<{ ndk: NDK; r: NDKRelay; received: unknown[][] }> {
  const received: unknown[][] = [];
  const ndk = new NDK({
    // Every frame the relay sent, as NDK saw it.
    netDebug: (msg, _relay, direction) => {
      if (process.env.NDK_DEBUG) console.log(direction, msg.slice(0, 160));
      if (direction === 'recv') received.push(JSON.parse(msg) as unknown[]);
    },
    explicitRelayUrls: [relay.url],
    enableOutboxModel: false,
    autoConnectUserRelays: false,
    signer: new NDKPrivateKeySigner(who.sk),
    relayConnectionFilter: (url) => url.startsWith('ws://127.0.0.1:'),
  });
  ndk.relayAuthDefaultPolicy = policy ?? NDKRelayAuthPolicies.signIn({ ndk });
  instances.push(ndk);
  expect(ndk.outboxPool).toBeUndefined();
  const connecting = ndk.connect(2000);
  if (waitForConnect) await connecting;
  const r = [...ndk.pool.relays.values()][0]!;
  return { ndk, r, received };
}

/** Resolves when NDK reports the relay authenticated (the signIn policy's AUTH was accepted). */
function authed(r: NDKRelay): Promise<void> {
  return new Promise((resolve) => r.once('authed', () => resolve()));
}

/** A signed NDKEvent of `who` (signed by the instance's signer on publish). */
function note(ndk: NDK, fields: { kind?: number; content?: string; tags?: string[][]; created_at?: number } = {}): NDKEvent {
  return new NDKEvent(ndk, {
    kind: fields.kind ?? 1,
    content: fields.content ?? `hello ${Math.random()}`,
    tags: fields.tags ?? [],
    created_at: fields.created_at ?? now(),
  });
}

async function ids(ndk: NDK, filter: NDKFilter): Promise<string[]> {
  return [...(await ndk.fetchEvents(filter, { closeOnEose: true, groupable: false }))].map((e) => e.id);
}

beforeAll(async () => {
  relay = await startAuthRelay([alice]);
});
afterEach(() => {
  for (const ndk of instances) for (const r of ndk.pool.relays.values()) r.disconnect();
  instances = [];
});
afterAll(async () => {
  await relay?.stop();
});

describe('NDK', () => {
  it('connects, authenticates and publishes (OK true)', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    expect(authedPubkeys(relay)).toContain(alice.pk);
    const ev = note(ndk);
    const published = await ev.publish();
    expect([...published].map((x) => x.url)).toEqual([r.url]);
    expect(await ids(ndk, { ids: [ev.id] })).toEqual([ev.id]);
    expect([...ndk.pool.relays.keys()]).toEqual([r.url]);
  });

  it('replaceable: of two kind 0 versions a query returns the newer (and the relay counts one)', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    const older = note(ndk, { kind: 0, content: '{"name":"old"}', created_at: now() - 10 });
    const newer = note(ndk, { kind: 0, content: '{"name":"new"}', created_at: now() - 5 });
    await older.publish();
    await newer.publish();
    expect(await ids(ndk, { kinds: [0], authors: [alice.pk] })).toEqual([newer.id]);
    // NDK itself keeps only the newest replaceable version, so the count is what shows the relay replaced it.
    expect((await ndk.count({ kinds: [0], authors: [alice.pk] })).count).toBe(1);
  });

  it('subscribe: stored events, EOSE, then a live event', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    const tag = `t-${Math.random()}`;
    const stored = note(ndk, { tags: [['t', tag]] });
    await stored.publish();
    const split = splitAtEose();
    const sub = ndk.subscribe({ '#t': [tag] }, { closeOnEose: false, groupable: false }, {
      onEvent: (e) => split.onEvent(e.id),
      onEose: split.onEose,
    });
    await split.eose;
    expect(split.stored).toEqual([stored.id]);
    const next = note(ndk, { tags: [['t', tag]] });
    await next.publish();
    expect(await split.live).toBe(next.id);
    sub.stop();
  });

  it('COUNT (ndk.count)', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    const tag = `c-${Math.random()}`;
    for (let i = 0; i < 3; i++) await note(ndk, { tags: [['t', tag]] }).publish();
    expect((await ndk.count({ '#t': [tag] })).count).toBe(3);
  });

  it('NIP-09 deletion (NDKEvent.delete) removes the event from later queries', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    const ev = note(ndk);
    await ev.publish();
    const deletion = await ev.delete('test');
    expect(deletion.kind).toBe(5);
    expect(await ids(ndk, { ids: [ev.id] })).toEqual([]);
  });

  it('lazy auth (policy returning true): a publish refused auth-required: is retried after AUTH', async () => {
    // With a policy that returns true, NDK signs the AUTH itself with ndk.signer and, once it is
    // accepted, resends the publishes that met auth-required: (retryPendingAuthPublishes).
    const { ndk, r, received } = await ndkAs(alice, { waitForConnect: false, policy: async () => true });
    const ev = note(ndk);
    // Published while NDK connects: NDK sends it as the socket opens, before it answered the challenge.
    await ev.publish(NDKRelaySet.fromRelayUrls([r.url], ndk), 3000);
    const oks = received.filter((m) => m[0] === 'OK' && m[1] === ev.id);
    expect(oks.map((m) => m[2])).toEqual([false, true]);
    expect(String(oks[0]![3])).toMatch(/^auth-required:/);
    expect(await ids(ndk, { ids: [ev.id] })).toEqual([ev.id]);
  });

  it('lazy auth with signIn(): NDK 3.0.3 never retries a publish that met auth-required: (library bug)', async () => {
    // NDK 3.0.3 bug: when the policy returns an NDKEvent (as NDKRelayAuthPolicies.signIn does),
    // onAuthRequested sends it but never calls retryPendingAuthPublishes, so a publish refused
    // auth-required: before the AUTH stays unanswered until the publish timeout (kept short here).
    const { ndk, r, received } = await ndkAs(alice, { waitForConnect: false });
    const ev = note(ndk);
    const published = await within(ev.publish(NDKRelaySet.fromRelayUrls([r.url], ndk), 300), 3000);
    expect(published.state).toBe('rejected');
    const oks = received.filter((m) => m[0] === 'OK' && m[1] === ev.id);
    expect(oks.map((m) => String(m[3]))).toEqual([expect.stringMatching(/^auth-required:/)]);
    // The AUTH itself was accepted: the only OK true on this connection.
    expect(received.filter((m) => m[0] === 'OK' && m[2] === true)).toHaveLength(1);
  });

  it('non-allowed user: publish and REQ surface restricted: promptly', async () => {
    // NDK 3.0.3 bug: when signIn's AUTH is refused, NDKRelayConnectivity.onAuthRequested awaits the
    // rejected auth() without a catch (it is called un-awaited from onMessage), leaving an unhandled
    // promise rejection. Collected and asserted here, so the test documents it.
    const unhandled = captureUnhandledRejections();
    try {
      const { ndk, r } = await ndkAs(mallory);
      const published = await within(note(ndk).publish(undefined, 3000), PROMPT_MS);
      expect(published.state).toBe('rejected');
      // NDKPublishError's message is generic ("Not enough relays received the event"); the relay's
      // reason is in its per-relay errors (relayErrors).
      const err = await note(ndk).publish(undefined, 3000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NDKPublishError);
      expect((err as NDKPublishError).errors.get(r)?.message).toMatch(/^restricted:/);
      // The CLOSED reason reaches the subscription's "closed" event.
      const closed = deferred<string>();
      const sub = ndk.subscribe({ kinds: [1] }, { closeOnEose: true, groupable: false }, false);
      sub.on('closed', (_relay, reason) => closed.resolve(reason));
      sub.start();
      expect(await within(closed.promise, PROMPT_MS)).toEqual({ state: 'resolved', value: expect.stringMatching(/^restricted:/) });
      // NDK 3.0.3: a CLOSED only emits "closed"; it does not end the subscription, so fetchEvents()
      // keeps waiting for an EOSE that will not come. Documented: still pending after the bound.
      expect((await within(ndk.fetchEvents({ kinds: [1] }, { groupable: false }), 300)).state).toBe('pending');
      await nextTurn();
      expect(unhandled.errors.map(String)).toEqual([expect.stringMatching(/restricted:/)]);
    } finally {
      unhandled.restore();
    }
  });

  it('reconnects after the relay closes an idle connection', async () => {
    const { ndk, r } = await ndkAs(alice);
    await authed(r);
    const reconnected = new Promise<void>((resolve) => r.once('disconnect', () => r.once('authed', () => resolve())));
    expect(dropConnections(relay)).toBeGreaterThan(0); // other tests' sockets may still be closing
    await reconnected; // NDK's own reconnect (1 s backoff), then signIn again
    const ev = note(ndk);
    await ev.publish();
    expect(await ids(ndk, { ids: [ev.id] })).toEqual([ev.id]);
  });
});
