/**
 * Issue 15 (budgets): a member whose REQs and COUNTs examine more stored rows than
 * rate_limits.query_rows_per_minute allows waits for its allowance, or is refused `rate-limited:`
 * when the wait would be long; another member's requests are answered meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { clientAs } from '../auth/e2e-support.js';
import { GROUPS, publishGroupMessages } from './stored-group-messages.js';
import { restCall } from '../mls-gateway/e2e-support.js';

const [publisher, spender, bystander, heavy, leaver] = [identity(), identity(), identity(), identity(), identity()];
/** Three filters over every group (303 values): past the 1,000 rows one request may examine. */
const expensive = (): object[] => Array.from({ length: 3 }, (_, f) => ({ '#h': GROUPS, kinds: [445], until: now() - f }));
const TOO_EXPENSIVE = 'error: query too expensive: narrow the filters (fewer values, kinds, a since/until window)';

describe('issue 15: query allowance per member', () => {
  let relay: TestRelay;
  let pub: RawClient;

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [publisher.pk, spender.pk, bystander.pk, heavy.pk, leaver.pk] },
        // 1,000 a minute (filter values and rows examined), and at most 1,000 rows per request.
        limits: { query_max_rows_examined: 1000 },
        rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0, group_messages_per_minute: 0, query_rows_per_minute: 1000 },
        extensions: { enabled: [] },
      },
    });
    pub = await clientAs(relay.url, publisher);
    await publishGroupMessages(pub, 1500);
  }, 120_000);
  afterAll(async () => {
    pub.close();
    await relay.stop();
  });

  /** nostr_relay_query_allowance_total{outcome} now. */
  const allowance = async (outcome: 'delayed' | 'refused'): Promise<number> => {
    const text = await relay.server.metrics.registry.getSingleMetricAsString('nostr_relay_query_allowance_total');
    return Number(new RegExp(`outcome="${outcome}"} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  it('a REQ held while its connection closes files no live subscription', async () => {
    const active = async (): Promise<number> => {
      const text = await relay.server.metrics.registry.getSingleMetricAsString('nostr_relay_subscriptions_active');
      return Number(/nostr_relay_subscriptions_active (\d+)/.exec(text)?.[1]);
    };
    const before = await active(); // first test: no connection of another test is still closing
    const m = await clientAs(relay.url, leaver);
    expect((await m.req('x', { kinds: [445], limit: 5000 })).closed).toBe(TOO_EXPENSIVE);
    // 2 values and ~10 rows examined (index entries and events), at 1,000 a minute: the next request waits ~0.7 s.
    expect((await m.req('w', { '#h': [GROUPS[0]], kinds: [445], limit: 5 })).events).toHaveLength(5);
    m.send(['REQ', 'z', { '#h': [GROUPS[1]], limit: 1 }]);
    m.close();
    await new Promise((r) => setTimeout(r, 2000)); // past the wait
    expect(await active()).toBe(before);
  });

  it("holds a member's next REQ until its spent allowance is back, while another member's REQ is answered at once", async () => {
    const m = await clientAs(relay.url, spender);
    const b = await clientAs(relay.url, bystander);
    const delayed = await allowance('delayed');
    try {
      // One value and 1,000 rows examined: the member is one row in debt.
      expect((await m.req('x', { kinds: [445], limit: 5000 })).closed).toBe(TOO_EXPENSIVE);
      // Waits for that row (60 ms, unless the client was slower), then spends 2 values and ~10 rows: the next
      // request waits ~0.7 s.
      const first = await m.req('a', { '#h': [GROUPS[0]], kinds: [445], limit: 5 });
      expect(first.events).toHaveLength(5);
      const order: string[] = [];
      const held = m.req('b', { '#h': [GROUPS[1]], kinds: [445], limit: 5 }).then((r) => (order.push('member in debt'), r));
      const other = b.req('c', { '#h': [GROUPS[2]], kinds: [445], limit: 5 }).then((r) => (order.push('bystander'), r));
      const [late, prompt] = await Promise.all([held, other]);
      expect(order).toEqual(['bystander', 'member in debt']);
      expect(late.closed).toBeUndefined();
      expect(late.events).toHaveLength(5);
      expect(prompt.events).toHaveLength(5);
      expect((await allowance('delayed')) - delayed).toBeGreaterThanOrEqual(1); // 'b' (and 'a' but on a slow machine)
    } finally {
      m.close();
      b.close();
    }
  });

  it('refuses with rate-limited: when the wait would be long, on every connection of the member, REQ and COUNT alike', async () => {
    const m = await clientAs(relay.url, heavy);
    const second = await clientAs(relay.url, heavy);
    const b = await clientAs(relay.url, bystander);
    const refusedBefore = await allowance('refused');
    try {
      // 303 filter values and 1,000 rows examined: 303 in debt, 18 s at 1,000 a minute.
      expect((await m.req('x', ...expensive())).closed).toBe(TOO_EXPENSIVE);
      const refused = await m.req('y', { '#h': [GROUPS[0]], kinds: [445], limit: 5 });
      expect(refused.closed).toMatch(/^rate-limited: your queries cost too much \(stored rows examined, filter values\), retry in \d+ s$/);
      expect(refused.events).toHaveLength(0);
      expect((await second.req('z', { '#h': [GROUPS[0]], limit: 1 })).closed).toMatch(/^rate-limited: /);
      const count = await second.request(['COUNT', 'n', { '#h': [GROUPS[0]] }], (f) => f[1] === 'n');
      expect(count[0]).toBe('CLOSED');
      expect(String(count[2])).toMatch(/^rate-limited: /);
      // Another member is not charged for it.
      const fine = await b.req('f', { '#h': [GROUPS[3]], kinds: [445], limit: 5 });
      expect(fine.closed).toBeUndefined();
      expect(fine.events).toHaveLength(5);
      expect((await allowance('refused')) - refusedBefore).toBe(3);
    } finally {
      m.close();
      second.close();
      b.close();
    }
  });
});

describe('issue 15: the query allowance on the REST reads too', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [publisher.pk, heavy.pk] },
        limits: { query_max_rows_examined: 1000 },
        rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0, query_rows_per_minute: 1000 },
        extensions: { enabled: ['mls-gateway'] },
      },
    });
    const pub = await clientAs(relay.url, publisher);
    const t = now() - 100;
    for (let i = 0; i < 1200; i += 100) {
      const oks = await Promise.all(Array.from({ length: 100 }, (_, j) => pub.publish(signed(publisher, { kind: 1, content: `n${i + j}`, created_at: t }))));
      expect(oks.every((o) => o[2] === true)).toBe(true);
    }
    pub.close();
  }, 120_000);
  afterAll(async () => relay?.stop());

  it('a member in debt from its REQs is answered 429 rate-limited: by the REST reads', async () => {
    const m = await clientAs(relay.url, heavy);
    try {
      // One value and 1,000 rows each: the second waits for the first's debt (one row), then leaves ~1,000 rows of debt.
      for (const sub of ['x1', 'x2']) expect((await m.req(sub, { kinds: [1], limit: 5000 })).closed).toBe(TOO_EXPENSIVE);
      const res = await restCall(relay, heavy, 'POST', '/messages/missed', {});
      expect(res.status).toBe(429);
      expect(res.json).toMatchObject({ error: 'rate-limited' });
    } finally {
      m.close();
    }
  });
});
