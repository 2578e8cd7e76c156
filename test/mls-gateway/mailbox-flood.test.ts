import { getEventHash } from 'nostr-tools/pure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRelay } from '../harness.js';
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
