/**
 * Issue 16, item 5: a replaceable or addressable event older than the stored version is not stored,
 * so it is answered `OK false "invalid: ..."` (it was `OK true "duplicate: ..."`, which told clients
 * it was live and fails relay-tester). Same answer on both store backends.
 */
import { expect, it } from 'vitest';
import { connect, RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { onBothStores } from './on-both-stores.js';

const SUPERSEDED = 'invalid: a newer version of this replaceable or addressable event is stored';

function supersededCases(getRelay: () => TestRelay) {
  it('refuses an older replaceable version with OK false, and keeps serving the newer one', async () => {
    const c = await RawClient.open(getRelay().url);
    const who = identity();
    const t = now() - 100;
    const newer = signed(who, { kind: 0, created_at: t + 10, content: '{"name":"new"}' });
    const older = signed(who, { kind: 0, created_at: t, content: '{"name":"old"}' });
    try {
      expect((await c.publish(newer)).slice(2)).toEqual([true, '']);
      expect((await c.publish(older)).slice(2)).toEqual([false, SUPERSEDED]);
      // A tie on created_at keeps the lowest id: the other one is refused the same way.
      const [low, high] = [signed(who, { kind: 10002, created_at: t }), signed(who, { kind: 10002, created_at: t })].sort((a, b) =>
        a.id < b.id ? -1 : 1,
      );
      expect((await c.publish(low!)).slice(2)).toEqual([true, '']);
      expect((await c.publish(high!)).slice(2)).toEqual([false, SUPERSEDED]);
      expect((await c.req('q', { authors: [who.pk], kinds: [0, 10002] })).events.map((e) => e.id).sort()).toEqual([newer.id, low!.id].sort());
    } finally {
      c.close();
    }
  });

  it('refuses an older addressable version (same d) with OK false; nostr-tools publish rejects', async () => {
    const client = await connect(getRelay().url);
    const who = identity();
    const t = now() - 100;
    try {
      const newer = signed(who, { kind: 30000, created_at: t + 1, tags: [['d', 'x']] });
      await client.publish(newer);
      await expect(client.publish(signed(who, { kind: 30000, created_at: t, tags: [['d', 'x']] }))).rejects.toThrow(SUPERSEDED);
      // Another d is another address: accepted.
      await expect(client.publish(signed(who, { kind: 30000, created_at: t, tags: [['d', 'y']] }))).resolves.toBe('');
    } finally {
      client.close();
    }
  });
}

onBothStores('superseded versions', supersededCases);
