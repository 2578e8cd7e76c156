import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { clientAs, count, nip86, publish } from './e2e-support.js';

const [admin, bob] = [identity(), identity()];

describe('bans with auth off (public relay mode)', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { auth: { required: false, admin_pubkeys: [admin.pk] }, extensions: { enabled: [] } } });
  });
  afterAll(async () => relay?.stop());

  it('a banned key cannot authenticate again, and reads nothing addressed to it', async () => {
    const anon = await clientAs(relay.url);
    const wrap = signed(identity(), { kind: 1059, tags: [['p', bob.pk]], content: 'wrapped' });
    try {
      expect((await publish(anon, wrap))[0]).toBe(true);
    } finally {
      anon.close();
    }
    const before = await clientAs(relay.url, bob);
    try {
      expect((await before.req('w', { kinds: [1059] })).events.map((e) => e.id)).toEqual([wrap.id]);
    } finally {
      before.close();
    }
    expect((await nip86(relay.httpUrl, admin, 'banpubkey', [bob.pk])).json.result).toBe(true);
    await expect(clientAs(relay.url, bob)).rejects.toThrow(/AUTH refused: restricted: this pubkey is banned/);
    const after = await clientAs(relay.url);
    try {
      const req = await after.req('w', { kinds: [1059] });
      expect(req.events).toEqual([]);
      expect(req.closed).toMatch(/^auth-required: /);
      expect(await count(after, 'c', { kinds: [1059] })).toMatch(/^auth-required: /);
      expect((await publish(after, signed(bob)))[1]).toMatch(/^blocked: /);
    } finally {
      after.close();
    }
  });
});
