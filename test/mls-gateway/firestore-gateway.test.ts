import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../extensions/mls-gateway/collections.js';
import type { OwnerDirectory } from '../../extensions/mls-gateway/directory/directory-store.js';
import type { Roster } from '../../extensions/mls-gateway/roster/roster.js';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity } from '../mls/fixtures.js';
import { identity, signed } from '../helpers.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from '../storage/firestore-env.js';
import { gatewayFixture, sessionOf, type GatewayFixture } from './gateway-fixture.js';

let fx: GatewayFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

// Firestore transactions retry under contention: the gateway's update functions must stay correct.
describe.skipIf(!emulatorHost)('gateway state on Firestore (emulator)', () => {
  it('concurrent requesters each claim a different package and the last one is never consumed', async () => {
    fx = await gatewayFixture({ consume_on_fetch: true, keypackage_fetches_per_hour: 0 }, [], await openEmulatorStorage(freshProjectId('gw')));
    const owner = mlsIdentity();
    for (let i = 0; i < 3; i += 1) {
      const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: fx.clock.now - 10 + i });
      expect((await fx.publish(sessionOf(owner), ev)).ok).toBe(true);
    }
    const filter = [{ kinds: [30443], authors: [owner.pk] }];
    const results = await Promise.all([1, 2, 3, 4].map(() => fx!.req(sessionOf(identity()), filter)));
    const handed = results.flatMap((r) => r.events.map((e) => e.id));
    const dir = await fx.ctx.kv.get<OwnerDirectory>(COLLECTIONS.keyPackages, owner.pk);
    const claimed = dir!.packages.filter((p) => p.claimedBy !== undefined);
    expect(claimed).toHaveLength(2);
    const unclaimed = dir!.packages.find((p) => p.claimedBy === undefined)!;
    // Each claimed package went to exactly one requester; only the last resort may repeat.
    for (const p of claimed) expect(handed.filter((id) => id === p.id)).toHaveLength(1);
    expect(handed.filter((id) => id !== unclaimed.id)).toHaveLength(2);
  });

  it('racing roster operations apply once', async () => {
    fx = await gatewayFixture({ membership: 'roster' }, [], await openEmulatorStorage(freshProjectId('gw')));
    const owner = identity();
    const group = '9'.repeat(64);
    const op = (seq: number, name: string, p: string[]) =>
      signed(owner, { kind: 450, content: '', tags: [['h', group], ['seq', String(seq)], ['op', name], ...p.map((x) => ['p', x])] });
    await fx.publish(sessionOf(owner), op(1, 'bootstrap', []));
    const [x, y] = [identity(), identity()];
    const a = op(2, 'add', [x.pk]);
    const b = op(2, 'add', [y.pk]);
    // Both reserved at once: the Firestore transaction lets one win; the loser is refused before any save.
    const [ra, rb] = await Promise.all([fx.publish(sessionOf(owner), a), fx.publish(sessionOf(owner), b)]);
    expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1);
    const roster = await fx.ctx.kv.get<Roster>(COLLECTIONS.rosters, group);
    expect(roster?.seq).toBe(2);
    const addedX = roster!.members.includes(x.pk);
    const addedY = roster!.members.includes(y.pk);
    expect(addedX !== addedY).toBe(true);
    expect(addedX).toBe(ra.ok);
    expect(await fx.storage.events.has(addedX ? b.id : a.id)).toBe(false);
    expect(await fx.storage.events.has(addedX ? a.id : b.id)).toBe(true);
  });
});
