import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity, type MlsIdentity } from '../mls/fixtures.js';
import { identity, now } from '../helpers.js';
import { waitFor, type RawClient, type TestRelay } from '../harness.js';
import { settle } from '../auth/e2e-support.js';
import { authedClient, eventsOn, publish, restCall, startGatewayRelay } from './e2e-support.js';

async function publishPackages(client: RawClient, owner: MlsIdentity, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: now() - 20 + i });
    expect(await publish(client, ev)).toMatchObject({ ok: true });
    ids.push(ev.id);
  }
  return ids;
}

describe('issue 14 item 10: with consume_on_fetch, live delivery neither sends nor claims KeyPackages', () => {
  const owner = mlsIdentity();
  const member = identity();
  let relay: TestRelay;

  beforeAll(async () => {
    relay = await startGatewayRelay([owner, member], { consume_on_fetch: true });
  });
  afterAll(async () => relay?.stop());

  it('a member holding {"kinds":[30443]} receives none of 8 new packages live, and the pool keeps all 8', async () => {
    const watcher = await authedClient(relay.url, member);
    expect((await watcher.req('kp', { kinds: [30443] })).events).toEqual([]);
    const ownerLive = await authedClient(relay.url, owner);
    expect((await ownerLive.req('mine', { kinds: [30443], authors: [owner.pk] })).events).toEqual([]);
    const publisher = await authedClient(relay.url, owner);
    const ids = await publishPackages(publisher, owner, 8);
    // The owner's own subscription receives all 8 live: the fanout ran for each.
    await waitFor(() => eventsOn(ownerLive, 'mine').length === 8, 10_000);
    await settle(watcher);
    expect(eventsOn(watcher, 'kp')).toEqual([]);
    const listing = await restCall(relay, owner, 'GET', `/keypackages?owner=${owner.pk}`);
    expect(listing.json).toMatchObject({ count: 8, available: 8 });
    // A REQ still hands out exactly one, claimed.
    const fetched = await watcher.req('fetch', { kinds: [30443], authors: [owner.pk] });
    expect(fetched.events).toHaveLength(1);
    expect(ids).toContain(fetched.events[0]!.id);
    expect((await restCall(relay, owner, 'GET', `/keypackages?owner=${owner.pk}`)).json).toMatchObject({ available: 7 });
    for (const c of [watcher, ownerLive, publisher]) c.close();
  }, 60_000);
});

describe('issue 14 item 10: fetch budgets per requester and owner, and per requester across owners', () => {
  const owners = [mlsIdentity(), mlsIdentity(), mlsIdentity(), mlsIdentity()];
  const requester = identity();
  let relay: TestRelay;

  beforeAll(async () => {
    // keypackage_fetches_per_owner_per_hour keeps its default (3), below the pool.
    relay = await startGatewayRelay([...owners, requester], { consume_on_fetch: true, keypackage_fetches_per_hour: 5 });
  });
  afterAll(async () => relay?.stop());

  it('one requester gets at most 3 of one owner pool an hour, and at most 5 across owners', async () => {
    for (const [i, o] of owners.entries()) {
      const c = await authedClient(relay.url, o);
      await publishPackages(c, o, i === 0 ? 5 : 2);
      c.close();
    }
    const r = await authedClient(relay.url, requester);
    const fetchOf = async (o: MlsIdentity, sub: string) => (await r.req(sub, { kinds: [30443], authors: [o.pk] })).events.length;
    const first = owners[0]!;
    const fromFirst = [await fetchOf(first, 'a1'), await fetchOf(first, 'a2'), await fetchOf(first, 'a3'), await fetchOf(first, 'a4')];
    expect(fromFirst).toEqual([1, 1, 1, 0]);
    // The pool of the first owner is not drained: 5 − 3 claimed.
    expect((await restCall(relay, first, 'GET', `/keypackages?owner=${first.pk}`)).json).toMatchObject({ available: 2 });
    // Three fetches spent of five across owners: two more owners, then nothing.
    expect([await fetchOf(owners[1]!, 'b'), await fetchOf(owners[2]!, 'c'), await fetchOf(owners[3]!, 'd')]).toEqual([1, 1, 0]);
    r.close();
  }, 60_000);
});
