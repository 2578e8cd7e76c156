import { afterEach, describe, expect, it } from 'vitest';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity } from '../mls/fixtures.js';
import { identity } from '../helpers.js';
import { gatewayFixture, metricValue, sessionOf, type GatewayFixture } from './gateway-fixture.js';

let fx: GatewayFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function ownerWith(f: GatewayFixture, n: number) {
  const owner = mlsIdentity();
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: f.clock.now - 100 + i });
    expect((await f.publish(sessionOf(owner), ev)).ok).toBe(true);
    ids.push(ev.id);
  }
  return { owner, ids };
}

describe('consume_on_fetch', () => {
  it('hands each package out once, one per REQ, and never consumes the last one', async () => {
    fx = await gatewayFixture({ consume_on_fetch: true, keypackage_fetches_per_hour: 0 });
    const { owner, ids } = await ownerWith(fx, 3);
    const filter = [{ kinds: [30443], authors: [owner.pk] }];
    const [r1, r2, r3] = [identity(), identity(), identity()];

    const first = await fx.req(sessionOf(r1), filter);
    expect(first.events.map((e) => e.id)).toEqual([ids[2]]); // newest available
    const second = await fx.req(sessionOf(r2), filter);
    expect(second.events.map((e) => e.id)).toEqual([ids[1]]);
    // One left: the last resort is handed out, and stays available.
    const third = await fx.req(sessionOf(r3), filter);
    expect(third.events.map((e) => e.id)).toEqual([ids[0]]);
    const fourth = await fx.req(sessionOf(r1), filter);
    expect(fourth.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(await metricValue(fx.registry, 'mls_gateway_keypackages_consumed_total')).toBe(2);

    // The owner always sees all of their packages.
    const own = await fx.req(sessionOf(owner), filter);
    expect(own.events).toHaveLength(3);
    const meta = await fx.call(undefined, 'GET', `/keypackages?owner=${owner.pk}`);
    expect(meta.status).toBe(401);
  });

  it('concurrent requesters never receive the same package', async () => {
    fx = await gatewayFixture({ consume_on_fetch: true, keypackage_fetches_per_hour: 0 });
    const { owner } = await ownerWith(fx, 4);
    const filter = [{ kinds: [30443], authors: [owner.pk] }];
    const results = await Promise.all([1, 2, 3].map(() => fx!.req(sessionOf(identity()), filter)));
    const handed = results.flatMap((r) => r.events.map((e) => e.id));
    expect(handed).toHaveLength(3);
    expect(new Set(handed).size).toBe(3);
  });

  it('limits fetches per requester and owner', async () => {
    fx = await gatewayFixture({ consume_on_fetch: true, keypackage_fetches_per_hour: 2 });
    const { owner } = await ownerWith(fx, 5);
    const filter = [{ kinds: [30443], authors: [owner.pk] }];
    const requester = identity();
    expect((await fx.req(sessionOf(requester), filter)).events).toHaveLength(1);
    expect((await fx.req(sessionOf(requester), filter)).events).toHaveLength(1);
    expect((await fx.req(sessionOf(requester), filter)).events).toHaveLength(0);
    // Another requester has its own window.
    expect((await fx.req(sessionOf(identity()), filter)).events).toHaveLength(1);
    // A new hour opens a new window.
    fx.clock.now += 3600;
    expect((await fx.req(sessionOf(requester), filter)).events).toHaveLength(1);
  });

  it('passes other events through untouched', async () => {
    fx = await gatewayFixture({ consume_on_fetch: true });
    const who = identity();
    const { owner } = await ownerWith(fx, 2);
    const note = (await import('../helpers.js')).signed(who, { kind: 1, content: 'hi' });
    await fx.publish(sessionOf(who), note);
    const res = await fx.req(sessionOf(identity()), [{ kinds: [1] }, { kinds: [30443], authors: [owner.pk] }]);
    expect(res.events.filter((e) => e.kind === 1).map((e) => e.id)).toEqual([note.id]);
    expect(res.events.filter((e) => e.kind === 30443)).toHaveLength(1);
  });
});
