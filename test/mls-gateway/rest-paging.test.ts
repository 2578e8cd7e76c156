import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { emulatorHost } from '../storage/firestore-env.js';
import { authedClient, publish, restCall, startGatewayRelay, type Backend } from './e2e-support.js';

const backends: Backend[] = emulatorHost ? ['sqlite', 'firestore'] : ['sqlite'];

const content = () => Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64');

/**
 * Pages a /messages route to the end as a client does: with next_cursor when the relay offers one,
 * else next_until. Returns every id received and the number of pages (bounded).
 */
async function pageAll(relay: TestRelay, who: Identity, path: string, body: Record<string, unknown>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: Record<string, unknown> = {};
  for (let pages = 1; pages <= 10; pages += 1) {
    const res = await restCall(relay, who, 'POST', path, { ...body, ...next });
    expect(res.status).toBe(200);
    ids.push(...(res.json.events as { id: string }[]).map((e) => e.id));
    if (res.json.has_more !== true) return { ids, pages };
    next = res.json.next_cursor !== undefined ? { cursor: res.json.next_cursor } : { until: res.json.next_until };
  }
  return { ids, pages: 11 };
}

describe.each(backends)('issue 14 item 6: REST paging skips no event of a crowded second (%s)', (backend) => {
  const [alice, bob] = [identity(), identity()];
  let relay: TestRelay;

  beforeAll(async () => {
    relay = await startGatewayRelay([alice, bob], {}, backend);
  }, 60_000);
  afterAll(async () => relay?.stop());

  it('POST /messages/missed returns all 35 gift wraps of one second, 20 a page', async () => {
    const client = await authedClient(relay.url, alice);
    const second = now() - 60;
    const wraps = Array.from({ length: 35 }, () => signed(identity(), { kind: 1059, tags: [['p', bob.pk]], content: content(), created_at: second }));
    for (const w of wraps) expect(await publish(client, w)).toEqual({ ok: true, message: '' });
    const { ids, pages } = await pageAll(relay, bob, '/messages/missed', { limit: 20 });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(wraps.map((w) => w.id).sort());
    expect(pages).toBe(2);
    client.close();
  });

  it('POST /messages/group pages across second boundaries without a gap or a repeat', async () => {
    const client = await authedClient(relay.url, alice);
    const group = 'd4'.repeat(32);
    const base = now() - 120;
    // 7 seconds of 6 messages each: every page boundary (limit 4) falls inside a second.
    const sent = Array.from({ length: 42 }, (_, i) => signed(identity(), { kind: 445, tags: [['h', group]], content: content(), created_at: base + Math.floor(i / 6) }));
    for (const ev of sent) expect(await publish(client, ev)).toEqual({ ok: true, message: '' });
    const ids: string[] = [];
    let cursor: unknown;
    for (let page = 0; page < 20; page += 1) {
      const res = await restCall(relay, bob, 'POST', '/messages/group', { group_id: group, limit: 4, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const events = res.json.events as { id: string; created_at: number }[];
      ids.push(...events.map((e) => e.id));
      if (res.json.has_more !== true) break;
      cursor = res.json.next_cursor;
      expect(cursor).toEqual(expect.any(String));
    }
    // Newest first, ties by id, each exactly once.
    const expected = [...sent].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1)).map((e) => e.id);
    expect(ids).toEqual(expected);
    client.close();
  });

  it('refuses a malformed cursor with 400', async () => {
    const res = await restCall(relay, bob, 'POST', '/messages/missed', { cursor: 'not-a-cursor' });
    expect(res.status).toBe(400);
  });
});
