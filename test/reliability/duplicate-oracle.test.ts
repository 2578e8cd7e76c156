/**
 * Issue 14 item 3: nobody can test whether an event id is stored without being allowed to read
 * that event. The id is recomputed before any lookup, and `duplicate:` is told only to readers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { clientAs, publish } from '../auth/e2e-support.js';

const [alice, bob, carol] = [identity(), identity(), identity()];

describe('issue 14 item 3: no stored-id oracle', () => {
  let relay: TestRelay;
  let a: RawClient;
  const note = signed(alice, { kind: 1, content: 'members only' });
  const wrap = signed(identity(), { kind: 1059, tags: [['p', bob.pk]], content: 'sealed for bob' });

  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { auth: { required: true, allowlist: [alice.pk, bob.pk, carol.pk] } } });
    a = await clientAs(relay.url, alice);
    expect(await publish(a, note)).toEqual([true, '']);
    expect(await publish(a, wrap)).toEqual([true, '']);
  });
  afterAll(async () => {
    a.close();
    await relay.stop();
  });

  it('before AUTH, a forged event with a stored id gets the same answer as one with an unknown id', async () => {
    const anon = await clientAs(relay.url);
    try {
      const forgedStored = { ...note, content: 'junk' };
      const forgedUnknown = { ...note, id: 'ab'.repeat(32), content: 'junk' };
      const stored = await anon.publish(forgedStored);
      const unknown = await anon.publish(forgedUnknown);
      expect(stored.slice(2)).toEqual([false, 'invalid: event id does not match its content']);
      expect(unknown.slice(2)).toEqual(stored.slice(2));
      // The genuine copy, before AUTH: asked to authenticate, not told it is stored.
      expect((await publish(anon, note))[1]).toMatch(/^auth-required:/);
    } finally {
      anon.close();
    }
  });

  it("a member who may not read a gift wrap is not told it is stored; its recipient is", async () => {
    const c = await clientAs(relay.url, carol);
    const b = await clientAs(relay.url, bob);
    try {
      expect(await publish(c, wrap)).toEqual([true, '']);
      expect(await publish(b, wrap)).toEqual([true, 'duplicate: already have this event']);
      expect(await publish(c, note)).toEqual([true, 'duplicate: already have this event']);
    } finally {
      c.close();
      b.close();
    }
  });
});
