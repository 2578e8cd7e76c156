import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayProcess, type RelayProcess } from '../../bench/lib/relay-process.js';
import { clientAs, publish } from '../auth/e2e-support.js';
import { TEST_RELAY_URL, waitFor, type RawClient } from '../harness.js';
import { identity, signed, type Identity } from '../helpers.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';

const G = 'a1'.repeat(32);
const H = 'b2'.repeat(32);
const content = () => Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64');
const groupMessage = (group: string) => signed(identity(), { kind: 445, tags: [['h', group]], content: content() });
const rosterOp = (author: Identity, group: string, seq: number, op: string, targets: string[]) =>
  signed(author, { kind: 450, content: '', tags: [['h', group], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])] });
const received = (client: RawClient, subId: string, id: string): boolean =>
  client.messages.some((m) => m[0] === 'EVENT' && m[1] === subId && (m[2] as { id: string }).id === id);

// Two relay processes on one emulator project, in roster mode: what Cloud Run runs.
describe.skipIf(!emulatorHost)('issue 14 item 12: a roster change on one instance reaches the read gate of the others', () => {
  const owner = identity();
  const member = identity();
  let a: RelayProcess;
  let b: RelayProcess;

  beforeAll(async () => {
    const config = {
      server: { url: TEST_RELAY_URL },
      storage: { backend: 'firestore', firestore: { project_id: freshProjectId('roster-sync') } },
      auth: { required: true, allowlist: [owner.pk, member.pk] },
      extensions: { enabled: ['mls-gateway'] },
      mls_gateway: { membership: 'roster' },
    };
    const env = { FIRESTORE_EMULATOR_HOST: emulatorHost!, METADATA_SERVER_DETECTION: 'none' };
    [a, b] = await Promise.all([startRelayProcess({ config, env }), startRelayProcess({ config, env })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a member removed on A stops receiving the group live on B within 2 s', async () => {
    const ownerOnA = await clientAs(a.url, owner);
    const memberOnB = await clientAs(b.url, member);
    expect(await publish(ownerOnA, rosterOp(owner, G, 1, 'bootstrap', [member.pk]))).toEqual([true, '']);
    expect(await publish(ownerOnA, rosterOp(owner, H, 1, 'bootstrap', [member.pk]))).toEqual([true, '']);
    // B checks membership against the store for a #h filter, so the subscription opens at once.
    expect((await memberOnB.req('live', { kinds: [445], '#h': [G, H] })).closed).toBeUndefined();
    const before = groupMessage(G);
    expect(await publish(ownerOnA, before)).toEqual([true, '']);
    await waitFor(() => received(memberOnB, 'live', before.id), 15_000);

    expect(await publish(ownerOnA, rosterOp(owner, G, 2, 'remove', [member.pk]))).toEqual([true, '']);
    const removedAt = Date.now();
    // Rounds of a message to G (removed) then one to H (still a member): once the H message has
    // arrived, B has decided on the G message before it (the watcher delivers in store order).
    let withheldAfterMs: number | undefined;
    const delivered: number[] = [];
    while (withheldAfterMs === undefined && Date.now() - removedAt < 10_000) {
      const sentAt = Date.now() - removedAt;
      const x = groupMessage(G);
      const y = groupMessage(H);
      expect(await publish(ownerOnA, x)).toEqual([true, '']);
      expect(await publish(ownerOnA, y)).toEqual([true, '']);
      await waitFor(() => received(memberOnB, 'live', y.id), 15_000);
      if (received(memberOnB, 'live', x.id)) delivered.push(sentAt);
      else withheldAfterMs = sentAt;
    }
    expect({ withheldAfterMs, delivered }).toMatchObject({ withheldAfterMs: expect.any(Number) });
    expect(withheldAfterMs).toBeLessThanOrEqual(2_000);
    // And it stays withheld.
    const later = groupMessage(G);
    const marker = groupMessage(H);
    expect(await publish(ownerOnA, later)).toEqual([true, '']);
    expect(await publish(ownerOnA, marker)).toEqual([true, '']);
    await waitFor(() => received(memberOnB, 'live', marker.id), 15_000);
    expect(received(memberOnB, 'live', later.id)).toBe(false);
    ownerOnA.close();
    memberOnB.close();
  }, 90_000);
});
