import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../extensions/mls-gateway/collections.js';
import type { OwnerDirectory } from '../../extensions/mls-gateway/directory/directory-store.js';
import { maintainGateway } from '../../extensions/mls-gateway/maintain.js';
import { keyPackageEvent30443, keyPackageEvent443, makeKeyPackage, mlsIdentity } from '../mls/fixtures.js';
import { identity } from '../helpers.js';
import { gatewayFixture, metricValue, sessionOf, type GatewayFixture } from './gateway-fixture.js';

let fx: GatewayFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const directoryOf = (f: GatewayFixture, owner: string) => f.ctx.kv.get<OwnerDirectory>(COLLECTIONS.keyPackages, owner);

describe('KeyPackage directory', () => {
  it('stores valid 30443 and 443 packages with their metadata and refuses tampered ones', async () => {
    fx = await gatewayFixture({});
    const owner = mlsIdentity();
    const kp = await makeKeyPackage(owner);
    const ev = keyPackageEvent30443(owner, kp);
    expect(await fx.publish(sessionOf(owner), ev)).toMatchObject({ ok: true, status: 'saved' });
    const legacy = keyPackageEvent443(owner, await makeKeyPackage(owner));
    expect(await fx.publish(sessionOf(owner), legacy)).toMatchObject({ ok: true, status: 'saved' });

    const dir = await directoryOf(fx, owner.pk);
    expect(dir?.packages.map((p) => p.id).sort()).toEqual([ev.id, legacy.id].sort());
    expect(dir?.packages.find((p) => p.id === ev.id)).toMatchObject({ ref: kp.ref, ciphersuite: 1, kind: 30443 });
    expect(await metricValue(fx.registry, 'mls_gateway_keypackages_stored_total')).toBe(2);

    const wrongRef = keyPackageEvent30443(owner, kp, {
      tags: keyPackageEvent30443(owner, kp).tags.map((t) => (t[0] === 'i' ? ['i', 'ab'.repeat(32)] : t)),
    });
    const refused = await fx.publish(sessionOf(owner), wrongRef);
    expect(refused).toMatchObject({ ok: false, reason: { prefix: 'invalid' } });
    expect(await fx.storage.events.has(wrongRef.id)).toBe(false);

    const other = identity();
    const stolen = keyPackageEvent30443(other, kp); // someone else's credential
    expect(await fx.publish(sessionOf(other), stolen)).toMatchObject({ ok: false, reason: { prefix: 'invalid' } });
    expect(await metricValue(fx.registry, 'mls_gateway_rejected_total', { reason: 'keypackage_invalid' })).toBe(2);
  });

  it('trims each owner to max_keypackages_per_user, oldest first, in the store too', async () => {
    fx = await gatewayFixture({ max_keypackages_per_user: 2 });
    const owner = mlsIdentity();
    const t = fx.clock.now;
    const evs = [];
    for (let i = 0; i < 3; i += 1) {
      const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: t - 100 + i });
      evs.push(ev);
      expect((await fx.publish(sessionOf(owner), ev)).ok).toBe(true);
    }
    const dir = await directoryOf(fx, owner.pk);
    expect(dir?.packages.map((p) => p.id)).toEqual([evs[1]!.id, evs[2]!.id]);
    expect(await fx.storage.events.has(evs[0]!.id)).toBe(false);
    expect(await fx.storage.events.has(evs[2]!.id)).toBe(true);
  });

  it('a newer 30443 in the same slot replaces the old entry', async () => {
    fx = await gatewayFixture({});
    const owner = mlsIdentity();
    const kp1 = await makeKeyPackage(owner);
    const kp2 = await makeKeyPackage(owner);
    const slot = 'cd'.repeat(32);
    const tagsFor = (kp: typeof kp1) =>
      keyPackageEvent30443(owner, kp).tags.map((t) => (t[0] === 'd' ? ['d', slot] : t));
    const first = keyPackageEvent30443(owner, kp1, { tags: tagsFor(kp1), created_at: fx.clock.now - 10 });
    const second = keyPackageEvent30443(owner, kp2, { tags: tagsFor(kp2) });
    expect(await fx.publish(sessionOf(owner), first)).toMatchObject({ ok: true, status: 'saved' });
    expect(await fx.publish(sessionOf(owner), second)).toMatchObject({ ok: true, status: 'saved' });
    expect(await fx.storage.events.has(first.id)).toBe(false);
    const dir = await directoryOf(fx, owner.pk);
    expect(dir?.packages.map((p) => p.id)).toEqual([second.id]);
  });

  it("a NIP-09 deletion by the owner removes the package from the directory", async () => {
    fx = await gatewayFixture({});
    const owner = mlsIdentity();
    const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner));
    await fx.publish(sessionOf(owner), ev);
    await fx.deleteAs(owner, [ev.id]);
    expect((await directoryOf(fx, owner.pk))?.packages).toEqual([]);
    expect(await fx.ctx.kv.get(COLLECTIONS.tracked, ev.id)).toBeUndefined();
  });

  it('a NIP-09 deletion by a coordinate removes the 30443 in that slot', async () => {
    fx = await gatewayFixture({});
    const owner = mlsIdentity();
    const kp = await makeKeyPackage(owner);
    const slot = 'ab'.repeat(32);
    const tags = keyPackageEvent30443(owner, kp).tags.map((t) => (t[0] === 'd' ? ['d', slot] : t));
    const ev = keyPackageEvent30443(owner, kp, { tags, created_at: fx.clock.now - 5 });
    const other = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: fx.clock.now - 5 });
    await fx.publish(sessionOf(owner), ev);
    await fx.publish(sessionOf(owner), other);
    await fx.deleteAs(owner, [], [{ kind: 30443, pubkey: owner.pk, d: slot }]);
    expect(await fx.storage.events.has(ev.id)).toBe(false);
    expect((await directoryOf(fx, owner.pk))?.packages.map((p) => p.id)).toEqual([other.id]);
  });

  it('maintenance purges expired packages from directory and store, and counts low pools', async () => {
    fx = await gatewayFixture({ low_pool_threshold: 2 });
    const owner = mlsIdentity();
    const t = fx.clock.now;
    const short = await makeKeyPackage(owner, { lifetime: { notBefore: t - 60, notAfter: t + 3600 } });
    const long = await makeKeyPackage(owner);
    const evShort = keyPackageEvent30443(owner, short);
    const evLong = keyPackageEvent30443(owner, long);
    await fx.publish(sessionOf(owner), evShort);
    await fx.publish(sessionOf(owner), evLong);

    let report = await maintainGateway(fx.ctx, t);
    expect(report.expiredKeyPackages).toBe(0);
    expect(report.lowPoolOwners).toBe(0);

    fx.clock.now = t + 7200;
    report = await maintainGateway(fx.ctx, fx.clock.now);
    expect(report.expiredKeyPackages).toBe(1);
    expect(await fx.storage.events.has(evShort.id)).toBe(false);
    expect(await fx.storage.events.has(evLong.id)).toBe(true);
    expect((await directoryOf(fx, owner.pk))?.packages.map((p) => p.id)).toEqual([evLong.id]);
    expect(report.lowPoolOwners).toBe(1);
    expect(await metricValue(fx.registry, 'mls_gateway_keypackage_low_pool_owners')).toBe(1);
  });

  it('GET /keypackages lists metadata for an allowlisted caller', async () => {
    const owner = mlsIdentity();
    const reader = identity();
    fx = await gatewayFixture({}, [reader]);
    const kp = await makeKeyPackage(owner);
    const ev = keyPackageEvent30443(owner, kp);
    await fx.publish(sessionOf(owner), ev);
    const res = await fx.call(reader, 'GET', `/keypackages?owner=${owner.pk}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ owner: owner.pk, count: 1, available: 1 });
    expect(res.json.keypackages[0]).toMatchObject({ event_id: ev.id, ref: kp.ref, kind: 30443, claimed: false });
    expect((await fx.call(reader, 'GET', '/keypackages?owner=xyz')).status).toBe(400);
    expect((await fx.call(undefined, 'GET', `/keypackages?owner=${owner.pk}`)).status).toBe(401);
    expect((await fx.call(identity(), 'GET', `/keypackages?owner=${owner.pk}`)).status).toBe(403);
  });
});
