/**
 * Issue 14 item 7: a REQ or COUNT that would examine more stored rows than its budget is stopped
 * (CLOSED "error: query too expensive") instead of holding the event loop; others go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, now } from '../helpers.js';
import { clientAs } from '../auth/e2e-support.js';
import { GROUPS, publishGroupMessages } from './stored-group-messages.js';

const member = identity();

describe('issue 14 item 7: query budget', () => {
  let relay: TestRelay;
  let m: RawClient;

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [member.pk] },
        limits: { query_max_rows_examined: 2000 },
        rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0, group_messages_per_minute: 0 },
        extensions: { enabled: [] },
      },
    });
    m = await clientAs(relay.url, member);
    await publishGroupMessages(m, 1500);
  }, 120_000);
  afterAll(async () => {
    m.close();
    await relay.stop();
  });

  it('a REQ whose filters examine more rows than the budget is closed as too expensive; a normal one still runs', async () => {
    // Each filter walks all 1,500 tag rows of the 100 groups (and their events): past 2,000 rows examined.
    const hostile = Array.from({ length: 3 }, (_, f) => ({ '#h': GROUPS, kinds: [445], until: now() - f }));
    const r = await m.req('hostile', ...hostile);
    expect(r.closed).toBe('error: query too expensive: narrow the filters (fewer values, kinds, a since/until window)');
    const normal = await m.req('normal', { '#h': [GROUPS[0]], kinds: [445], limit: 5 });
    expect(normal.closed).toBeUndefined();
    expect(normal.events).toHaveLength(5);
  });

  it('COUNT too', async () => {
    const reply = await m.request(['COUNT', 'c', { '#h': GROUPS, kinds: [445] }, { '#h': GROUPS.slice(1), kinds: [445] }], (f) => f[1] === 'c');
    expect(reply[0]).toBe('CLOSED');
    expect(String(reply[2])).toMatch(/^error: query too expensive/);
    const ok = await m.request(['COUNT', 'c2', { '#h': [GROUPS[1]] }], (f) => f[1] === 'c2');
    expect(ok).toEqual(['COUNT', 'c2', { count: 15 }]);
  });
});
