import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity, wrapWelcome } from '../mls/fixtures.js';
import { identity, type Identity } from '../helpers.js';
import { type RawClient, type TestRelay } from '../harness.js';
import { authedClient, publish, restCall, startGatewayRelay } from './e2e-support.js';

const owner = mlsIdentity();
const [r1, r2, stranger] = [identity(), identity(), identity()];
let relay: TestRelay;
const clients: RawClient[] = [];

beforeAll(async () => {
  relay = await startGatewayRelay([owner, r1, r2], { consume_on_fetch: true, keypackage_fetches_per_hour: 0 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await relay.stop();
});

async function client(who: Identity): Promise<RawClient> {
  const c = await authedClient(relay.url, who);
  clients.push(c);
  return c;
}

/** A REST call to the running relay, NIP-98 signed by `who` (none when undefined). */
const api = (who: Identity | undefined, method: 'GET' | 'POST', path: string, body?: object) =>
  restCall(relay, who, method, path, body);

describe('consume_on_fetch through the relay', () => {
  it('hands each KeyPackage to one requester and keeps the last one', async () => {
    const o = await client(owner);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const ev = keyPackageEvent30443(owner, await makeKeyPackage(owner), { created_at: Math.floor(Date.now() / 1000) - 10 + i });
      expect(await publish(o, ev)).toMatchObject({ ok: true });
      ids.push(ev.id);
    }
    const [c1, c2] = [await client(r1), await client(r2)];
    const filter = { kinds: [30443], authors: [owner.pk] };
    const got1 = (await c1.req('k1', filter)).events.map((e) => e.id);
    const got2 = (await c2.req('k2', filter)).events.map((e) => e.id);
    expect(got1).toHaveLength(1);
    expect(got2).toHaveLength(1);
    expect(got1[0]).not.toBe(got2[0]);
    // Only the last one is left: both still get it, it is never consumed.
    const last = ids.find((id) => id !== got1[0] && id !== got2[0]);
    expect((await c1.req('k3', filter)).events.map((e) => e.id)).toEqual([last]);
    expect((await c2.req('k4', filter)).events.map((e) => e.id)).toEqual([last]);
    expect((await o.req('own', filter)).events).toHaveLength(3);
  });
});

describe('REST API with NIP-98', () => {
  it('serves pending welcomes to their recipient and acknowledges them', async () => {
    const o = await client(owner);
    const wrap = wrapWelcome(owner, r1.pk, new Uint8Array(300), { keyPackageEventId: '1'.repeat(64), relays: [] });
    expect(await publish(o, wrap)).toMatchObject({ ok: true });

    expect((await api(undefined, 'GET', '/welcomes')).status).toBe(401);
    expect((await api(stranger, 'GET', '/welcomes')).status).toBe(403);
    const pending = await api(r1, 'GET', '/welcomes');
    expect(pending.status).toBe(200);
    expect((pending.json.welcomes as { id: string }[]).map((e) => e.id)).toEqual([wrap.id]);
    expect((await api(r2, 'GET', '/welcomes')).json.welcomes).toEqual([]);
    expect((await api(r1, 'POST', `/welcomes/${wrap.id}/ack`, {})).status).toBe(200);
    expect((await api(r1, 'GET', '/welcomes')).json.welcomes).toEqual([]);

    const missed = await api(r1, 'POST', '/messages/missed', { since: 0, limit: 10 });
    expect(missed.status).toBe(200);
    expect((missed.json.events as { id: string }[]).map((e) => e.id)).toContain(wrap.id);
    const bad = await api(r1, 'POST', '/messages/group', { since: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.message)).toMatch(/group_id|since/);

    const kps = await api(r2, 'GET', `/keypackages?owner=${owner.pk}`);
    expect(kps.status).toBe(200);
    expect(kps.json).toMatchObject({ owner: owner.pk, count: 3, available: 1 });
  });

  it('advertises the gateway in NIP-11', async () => {
    const res = await fetch(relay.httpUrl, { headers: { accept: 'application/nostr+json' } });
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.mls_gateway).toMatchObject({ kinds: [443, 444, 445, 446, 447, 450, 1059, 30443], consume_on_fetch: true });
  });
});
