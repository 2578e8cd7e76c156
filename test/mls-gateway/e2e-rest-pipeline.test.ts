import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identity } from '../helpers.js';
import { startTestRelay, type TestRelay } from '../harness.js';
import { restCall } from './e2e-support.js';

const member = identity();
let relay: TestRelay;

beforeAll(async () => {
  relay = await startTestRelay({
    overrides: {
      auth: { required: true, allowlist: [member.pk] },
      extensions: { enabled: ['mls-gateway'] },
      rate_limits: { reqs_per_minute: 2 },
    },
  });
});
afterAll(async () => relay?.stop());

/**
 * Issue 13: the REST reads are adapters over the relay core, so they meet every gate a REQ meets —
 * here the request charge (`rate_limits.reqs_per_minute`), which the old routes never applied.
 */
describe('REST reads share the REQ pipeline', () => {
  it('counts message reads against reqs_per_minute and answers 429 rate-limited: past it', async () => {
    const statuses: number[] = [];
    let last: { error?: string } = {};
    for (let i = 0; i < 3; i += 1) {
      const res = await restCall(relay, member, 'POST', '/messages/missed', {});
      statuses.push(res.status);
      last = res.json as { error?: string };
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last.error).toBe('rate-limited');
  });
});
