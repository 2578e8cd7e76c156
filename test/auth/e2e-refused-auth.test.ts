/**
 * Issue 16, item 1: after a refused AUTH the relay answers `restricted:`, never `auth-required:`
 * (NIP-42 keeps auth-required for "not authenticated yet"). Clients that wait to authenticate
 * when they see auth-required would otherwise hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { authAs, clientAs, count, nip86, publish } from './e2e-support.js';

const [admin, alice, stranger, banned] = [identity(), identity(), identity(), identity()];

describe('after a refused AUTH, auth required', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [alice.pk], admin_pubkeys: [admin.pk] }, extensions: { enabled: [] } },
    });
  });
  afterAll(async () => relay?.stop());

  it('EVENT, REQ, COUNT and recipient-only kinds are answered restricted: until an allowed AUTH', async () => {
    const c = await clientAs(relay.url);
    try {
      // Before any AUTH: auth-required.
      expect((await c.req('before', { kinds: [1] })).closed).toMatch(/^auth-required: /);
      const [ok, message] = await authAs(c, stranger);
      expect(ok).toBe(false);
      expect(message).toMatch(/^restricted: /);
      expect((await publish(c, signed(stranger)))[1]).toMatch(/^restricted: /);
      expect((await c.req('plain', { kinds: [1] })).closed).toMatch(/^restricted: /);
      expect((await c.req('wraps', { kinds: [1059] })).closed).toMatch(/^restricted: /);
      expect(await count(c, 'n', { kinds: [1] })).toMatch(/^restricted: /);
      const own = signed(stranger, { tags: [['-']] });
      expect((await publish(c, own))[1]).toMatch(/^restricted: /);
      // An allowed AUTH on the same connection lifts it.
      expect((await authAs(c, alice))[0]).toBe(true);
      expect((await c.req('after', { kinds: [1] })).closed).toBeUndefined();
      expect(await publish(c, signed(alice))).toEqual([true, '']);
    } finally {
      c.close();
    }
  });

  it('a banned pubkey refused at AUTH counts as refused', async () => {
    expect((await nip86(relay.httpUrl, admin, 'banpubkey', [banned.pk])).json.result).toBe(true);
    const c = await clientAs(relay.url);
    try {
      expect(await authAs(c, banned)).toEqual([false, expect.stringMatching(/^restricted: .*banned/)]);
      expect((await c.req('s', { kinds: [1] })).closed).toMatch(/^restricted: /);
      expect(await count(c, 'n', {})).toMatch(/^restricted: /);
    } finally {
      c.close();
    }
  });

  it('an AUTH refused for a bad challenge is not a refusal of the key: still auth-required', async () => {
    const c = await clientAs(relay.url);
    try {
      await c.next((m) => m[0] === 'AUTH');
      const ev = signed(alice, { kind: 22242, content: '', tags: [['relay', 'ws://relay.test'], ['challenge', 'wrong']] });
      const reply = await c.request(['AUTH', ev], (m) => m[0] === 'OK' && m[1] === ev.id);
      expect(reply[3]).toMatch(/^auth-required: /);
      expect((await c.req('s', { kinds: [1] })).closed).toMatch(/^auth-required: /);
    } finally {
      c.close();
    }
  });
});

describe('after a refused AUTH, auth off (a banned key)', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { auth: { required: false, admin_pubkeys: [admin.pk] }, extensions: { enabled: [] } } });
  });
  afterAll(async () => relay?.stop());

  it('recipient-only kinds and NIP-70 events answer restricted: to the refused connection', async () => {
    expect((await nip86(relay.httpUrl, admin, 'banpubkey', [banned.pk])).json.result).toBe(true);
    const c = await clientAs(relay.url);
    try {
      expect((await authAs(c, banned))[0]).toBe(false);
      expect((await c.req('wraps', { kinds: [1059] })).closed).toMatch(/^restricted: /);
      expect(await count(c, 'n', { kinds: [1059] })).toMatch(/^restricted: /);
      expect((await publish(c, signed(stranger, { tags: [['-']] })))[1]).toMatch(/^restricted: /);
      // Reads that need no identity still work.
      expect((await c.req('open', { kinds: [1] })).closed).toBeUndefined();
    } finally {
      c.close();
    }
  });
});
