import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';

/** Index of the first EVENT frame of `id` on `subId`, -1 when none. */
const eventIndex = (client: RawClient, subId: string, id: string): number =>
  client.messages.findIndex((m) => m[0] === 'EVENT' && m[1] === subId && (m[2] as { id: string }).id === id);

// Two relays (in this process, so a test observer can be added to A) on one emulator project.
describe.skipIf(!emulatorHost)('issue 14 item 13: the Firestore watcher does not echo an instance its own events', () => {
  let a: TestRelay;
  let b: TestRelay;

  beforeAll(async () => {
    process.env.FIRESTORE_EMULATOR_HOST = emulatorHost!;
    const overrides = { storage: { backend: 'firestore', firestore: { project_id: freshProjectId('echo') } }, extensions: { enabled: [] } };
    [a, b] = await Promise.all([startTestRelay({ overrides }), startTestRelay({ overrides })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('fans a local commit out once, after its observers ran, even when the watcher has seen the commit', async () => {
    const alice = identity();
    const bob = identity();
    const subscriber = await RawClient.open(a.url);
    const publisher = await RawClient.open(a.url);
    const onB = await RawClient.open(b.url);
    expect((await subscriber.req('live', { kinds: [1] })).closed).toBeUndefined();
    const ev = signed(alice, { content: 'local commit' });
    const marker = signed(bob, { content: 'stored by B after the local commit' });
    let observed = -1;
    // An observer of A that holds the local pipeline until A's watcher has delivered an event stored
    // later (by B): the watcher delivers in stored_at order, so it has seen the local commit too.
    a.server.ctx.hooks.onEventSaved.push(async (_session, saved) => {
      if (saved.id !== ev.id) return;
      const ok = await onB.publish(marker);
      expect(ok[2]).toBe(true);
      await waitFor(() => eventIndex(subscriber, 'live', marker.id) >= 0, 15_000);
      observed = subscriber.messages.length;
    });
    const ok = await publisher.publish(ev);
    expect(ok[2]).toBe(true);
    await waitFor(() => eventIndex(subscriber, 'live', ev.id) >= 0, 15_000);
    // Delivered after the observer finished (not by the watcher's echo while it ran), and once.
    expect(observed).toBeGreaterThan(0);
    expect(eventIndex(subscriber, 'live', ev.id)).toBeGreaterThanOrEqual(observed);
    await subscriber.req('settle', { ids: [ev.id] });
    const copies = subscriber.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'live' && (m[2] as { id: string }).id === ev.id);
    expect(copies).toHaveLength(1);
    for (const c of [subscriber, publisher, onB]) c.close();
  }, 60_000);
});
