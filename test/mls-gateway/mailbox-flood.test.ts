import { getEventHash } from 'nostr-tools/pure';
import { COLLECTIONS } from '../../extensions/mls-gateway/collections.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { wrapWelcome } from '../mls/fixtures.js';
import { authedClient, publish, restCall, startGatewayRelay } from './e2e-support.js';

/** A gift wrap for `recipient`, signed by a random key, whose id starts with `00` (ground by its content). */
function lowIdWrap(recipient: string): ReturnType<typeof signed> {
  const key = identity();
  const created_at = now() - 30;
  for (let nonce = 0; ; nonce += 1) {
    const content = `flood-${nonce}-${Math.random()}`;
    const template = { kind: 1059, tags: [['p', recipient]], content, created_at, pubkey: key.pk };
    if (getEventHash(template).startsWith('00')) return signed(key, { kind: 1059, tags: template.tags, content, created_at });
  }
}

type WelcomesPage = { welcomes: { id: string }[]; has_more: boolean; next_cursor?: string };

async function welcomes(relay: TestRelay, who: Identity, query = ''): Promise<WelcomesPage> {
  const res = await restCall(relay, who, 'GET', `/welcomes${query}`);
  expect(res.status).toBe(200);
  return res.json as unknown as WelcomesPage;
}

describe('issue 14 item 5: a mailbox flood does not hide real Welcomes from GET /welcomes', () => {
  const [flooder, friend, victim] = [identity(), identity(), identity()];
  let relay: TestRelay;

  beforeAll(async () => {
    relay = await startGatewayRelay([flooder, friend, victim], {});
  });
  afterAll(async () => relay?.stop());

  it('lists by time received with a per-sender cap, pages with a cursor, and says more are waiting', async () => {
    const flood = Array.from({ length: 500 }, () => lowIdWrap(victim.pk));
    let real = wrapWelcome(friend, victim.pk, new Uint8Array(200), { keyPackageEventId: 'f'.repeat(64), relays: ['ws://relay.test'] });
    while (real.id.startsWith('00')) real = wrapWelcome(friend, victim.pk, new Uint8Array(200), { keyPackageEventId: 'f'.repeat(64), relays: ['ws://relay.test'] });
    const fromFlooder = await authedClient(relay.url, flooder);
    for (const w of flood) expect((await publish(fromFlooder, w)).ok).toBe(true);
    const fromFriend = await authedClient(relay.url, friend);
    expect(await publish(fromFriend, real)).toEqual({ ok: true, message: '' });
    // The flooder keeps going after the real Welcome: still listed after it.
    const late = lowIdWrap(victim.pk);
    expect((await publish(fromFlooder, late)).ok).toBe(true);

    const first = await welcomes(relay, victim);
    const ids = first.welcomes.map((e) => e.id);
    // The flooder's first 20 (its cap, in the order received), then the real Welcome.
    expect(ids.indexOf(real.id)).toBe(20);
    expect(ids.slice(0, 20)).toEqual(flood.slice(0, 20).map((w) => w.id));
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toEqual(expect.any(String));

    // Following the cursor reaches every pending wrap exactly once, the rest of the flood last.
    const all = [...ids];
    let cursor = first.next_cursor;
    for (let pages = 0; cursor !== undefined && pages < 20; pages += 1) {
      const page = await welcomes(relay, victim, `?limit=200&cursor=${encodeURIComponent(cursor)}`);
      all.push(...page.welcomes.map((e) => e.id));
      cursor = page.has_more ? page.next_cursor : undefined;
    }
    expect(all).toHaveLength(502);
    expect(new Set(all).size).toBe(502);
    expect(all.slice(21)).toEqual([...flood.slice(20), late].map((w) => w.id));

    // An acknowledged Welcome leaves the list; a bad cursor is a 400.
    expect((await restCall(relay, victim, 'POST', `/welcomes/${real.id}/ack`, {})).status).toBe(200);
    expect((await welcomes(relay, victim)).welcomes.map((e) => e.id)).not.toContain(real.id);
    expect((await restCall(relay, victim, 'GET', '/welcomes?cursor=zz')).status).toBe(400);
    fromFlooder.close();
    fromFriend.close();
  }, 120_000);
});

describe('issue 14 item 5: an unauthenticated inbox delivery counts against its IP', () => {
  const [friend, victim] = [identity(), identity()];
  let relay: TestRelay;

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [friend.pk, victim.pk], inbox_from_anyone: true },
        extensions: { enabled: ['mls-gateway'] },
        mls_gateway: { mailbox_per_sender: 3 },
        rate_limits: { inbox_deliveries_per_minute_per_ip: 0, events_per_minute_per_ip: 0 },
      },
    });
  });
  afterAll(async () => relay?.stop());

  it('strangers on one IP share one cap, however many connections they open', async () => {
    const strangerA = await RawClient.open(relay.url);
    const strangerB = await RawClient.open(relay.url);
    const fromStrangers = Array.from({ length: 5 }, () => lowIdWrap(victim.pk));
    for (const [i, w] of fromStrangers.entries()) expect((await (i % 2 === 0 ? strangerA : strangerB).publish(w))[2]).toBe(true);
    const fromFriend = await authedClient(relay.url, friend);
    const real = wrapWelcome(friend, victim.pk, new Uint8Array(200), { keyPackageEventId: 'f'.repeat(64), relays: ['ws://relay.test'] });
    expect(await publish(fromFriend, real)).toEqual({ ok: true, message: '' });
    const page = await welcomes(relay, victim);
    const ids = page.welcomes.map((e) => e.id);
    expect(ids).toEqual([...fromStrangers.slice(0, 3).map((w) => w.id), real.id, ...fromStrangers.slice(3).map((w) => w.id)]);
    expect(page.has_more).toBe(false);
    for (const c of [strangerA, strangerB, fromFriend]) c.close();
  });
});

describe('issue 14 item 5: entries filed before the time-ordered queue stay listed', () => {
  it('queues them once at start', async () => {
    const [alice, bob] = [identity(), identity()];
    let relay = await startGatewayRelay([alice, bob], {});
    try {
      // An entry as the previous version filed it (keyed by id only), for an event already stored.
      const wrap = wrapWelcome(alice, bob.pk, new Uint8Array(200), { keyPackageEventId: 'f'.repeat(64), relays: ['ws://relay.test'] });
      const { storage } = relay.server;
      expect(await storage.events.saveBatch([{ event: wrap }])).toEqual([{ status: 'saved' }]);
      const at = now();
      const old = { id: wrap.id, kind: 1059, createdAt: wrap.created_at, receivedAt: at, expiresAt: at + 3600 };
      await storage.kv.put(COLLECTIONS.mailbox, `${bob.pk}:${wrap.id}`, old, { expiresAt: old.expiresAt });
      await storage.kv.delete(COLLECTIONS.mailboxMeta, 'queue_v1');
      expect((await welcomes(relay, bob)).welcomes).toEqual([]);
      relay = await relay.restart();
      expect((await welcomes(relay, bob)).welcomes.map((e) => e.id)).toEqual([wrap.id]);
      expect((await restCall(relay, bob, 'POST', `/welcomes/${wrap.id}/ack`, {})).status).toBe(200);
      expect((await welcomes(relay, bob)).welcomes).toEqual([]);
    } finally {
      await relay.stop();
    }
  });
});
