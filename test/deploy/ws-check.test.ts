import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsCheck } from '../../scripts/ws-check.js';
import { startTestRelay, TEST_RELAY_URL, type TestRelay } from '../harness.js';
import { identity, type Identity } from '../helpers.js';

// The runbook's WebSocket check, against a live relay with auth on.
describe('scripts/ws-check.ts', () => {
  let relay: TestRelay;
  let member: Identity;
  beforeAll(async () => {
    member = identity();
    relay = await startTestRelay({ overrides: { auth: { required: true, allowlist: [member.pk] } } });
  });
  afterAll(async () => relay?.stop());

  it('publishes and reads back as an allowlisted key', async () => {
    expect(await wsCheck(relay.url, member.sk, 3, TEST_RELAY_URL)).toEqual({ connected: true, authenticated: true, acknowledged: 3, readBack: 3 });
  });

  it('reports the refusal for a key outside the allowlist', async () => {
    const r = await wsCheck(relay.url, identity().sk, 1, TEST_RELAY_URL);
    expect(r).toMatchObject({ connected: true, authenticated: false, acknowledged: 0 });
    expect(r.error).toMatch(/^restricted:/);
  });
});
