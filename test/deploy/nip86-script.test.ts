import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeEvent } from 'nostr-tools/pure';
import { callNip86 } from '../../scripts/nip86.js';
import { RawClient, startTestRelay, TEST_RELAY_URL, waitFor, type TestRelay } from '../harness.js';
import { identity, now, type Identity } from '../helpers.js';

// What the runbook's key-compromise steps run: scripts/nip86.ts against a live relay.
describe('scripts/nip86.ts (runbook: ban a compromised key)', () => {
  let relay: TestRelay;
  let admin: Identity;
  let member: Identity;
  // The relay is reached on its ephemeral port; the NIP-98 event names its public URL, as a real client's would.
  const publicHttpUrl = TEST_RELAY_URL.replace(/^ws/, 'http') + '/';

  beforeAll(async () => {
    admin = identity();
    member = identity();
    relay = await startTestRelay({ overrides: { auth: { required: true, allowlist: [member.pk], admin_pubkeys: [admin.pk] } } });
  });
  afterAll(async () => relay?.stop());

  it('bans a pubkey: its live subscription is closed `restricted:`, it is listed, and the next AUTH is refused', async () => {
    const c = await RawClient.open(relay.url);
    await waitFor(() => c.challenge !== undefined);
    const auth = finalizeEvent({ kind: 22242, created_at: now(), content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', c.challenge!]] }, member.sk);
    expect((await c.request(['AUTH', auth], (m) => m[0] === 'OK'))[2]).toBe(true);
    await c.req('live', { kinds: [1] });

    const ban = await callNip86(`${relay.httpUrl}/`, admin.sk, 'banpubkey', [member.pk, 'key compromised'], publicHttpUrl);
    expect(ban).toEqual({ status: 200, result: true });
    const closed = await c.next((m) => m[0] === 'CLOSED' && m[1] === 'live');
    expect(closed[2]).toMatch(/^restricted:/);

    const listed = await callNip86(`${relay.httpUrl}/`, admin.sk, 'listbannedpubkeys', [], publicHttpUrl);
    expect(listed.result).toEqual([{ pubkey: member.pk, reason: 'key compromised' }]);

    const again = await RawClient.open(relay.url);
    await waitFor(() => again.challenge !== undefined);
    const retry = finalizeEvent({ kind: 22242, created_at: now(), content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', again.challenge!]] }, member.sk);
    const refused = await again.request(['AUTH', retry], (m) => m[0] === 'OK');
    expect(refused[2]).toBe(false);
    c.close();
    again.close();
  });

  it('is refused for a key that is not an admin', async () => {
    const answer = await callNip86(`${relay.httpUrl}/`, member.sk, 'listbannedpubkeys', [], publicHttpUrl);
    expect(answer.status).toBe(403);
    expect(answer.result ?? null).toBeNull();
  });
});
