import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { authAs, clientAs, count, publish, settle } from './e2e-support.js';

const [alice, bob, carol, stranger] = [identity(), identity(), identity(), identity()];
const GATED = [1059, 446, 447];

/**
 * The three recipient-only events for `to`: a gift wrap signed by a random key, a Noise DM, a KeyPackage
 * request. Each call's events are new (a NIP-31 `alt` nonce): alice's would otherwise repeat an earlier
 * call's ids within the same second, and a duplicate is acknowledged but never broadcast again.
 */
function addressedTo(to: string) {
  const alt = ['alt', Math.random().toString(36).slice(2)];
  return [
    signed(identity(), { kind: 1059, tags: [['p', to]], content: 'wrapped' }),
    signed(alice, { kind: 446, tags: [['p', to], ['v', 'noise.1'], alt], content: 'noise' }),
    signed(alice, { kind: 447, tags: [['p', to], alt], content: '' }),
  ];
}

describe('recipient-only kinds through the real server, auth required', () => {
  let relay: TestRelay;
  let a: RawClient;
  const stored = addressedTo(bob.pk);

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [alice.pk, bob.pk, carol.pk] } },
    });
    a = await clientAs(relay.url, alice);
    for (const ev of stored) expect(await publish(a, ev)).toEqual([true, '']);
  });
  afterAll(async () => {
    a?.close();
    await relay?.stop();
  });

  it('a member may publish events signed by other keys (ephemeral MLS signers)', async () => {
    const throwaway = signed(identity(), { kind: 1, content: 'signed by a fresh key' });
    expect(await publish(a, throwaway)).toEqual([true, '']);
  });

  it('an anonymous client gets auth-required on REQ, COUNT and EVENT', async () => {
    const anon = await clientAs(relay.url);
    try {
      const req = await anon.req('s', { kinds: GATED });
      expect(req.events).toEqual([]);
      expect(req.closed).toMatch(/^auth-required: /);
      expect(await count(anon, 'c', { kinds: GATED })).toMatch(/^auth-required: /);
      expect((await anon.req('all', {})).closed).toMatch(/^auth-required: /);
      const [ok, message] = await publish(anon, signed(stranger));
      expect(ok).toBe(false);
      expect(message).toMatch(/^auth-required: /);
    } finally {
      anon.close();
    }
  });

  it('a stranger who authenticates is refused with restricted: and still sees nothing', async () => {
    const s = await clientAs(relay.url);
    try {
      const [ok, message] = await authAs(s, stranger);
      expect(ok).toBe(false);
      expect(message).toMatch(/^restricted: /);
      const req = await s.req('s', { kinds: GATED });
      expect(req.events).toEqual([]);
      // It has performed AUTH: NIP-42 answers restricted:, not auth-required: (issue 16).
      expect(req.closed).toMatch(/^restricted: /);
    } finally {
      s.close();
    }
  });

  it('the recipient reads them via REQ and COUNT; a member who is not the recipient sees none', async () => {
    const b = await clientAs(relay.url, bob);
    const c = await clientAs(relay.url, carol);
    try {
      const mine = await b.req('s', { kinds: GATED });
      expect(mine.events.map((e) => e.id).sort()).toEqual(stored.map((e) => e.id).sort());
      expect(await count(b, 'c', { kinds: GATED })).toBe(3);
      const theirs = await c.req('s', { kinds: GATED });
      expect(theirs.closed).toBeUndefined();
      expect(theirs.events).toEqual([]);
      expect(await c.req('by-id', { ids: stored.map((e) => e.id) })).toEqual({ events: [] });
      expect(await c.req('by-p', { '#p': [bob.pk] })).toEqual({ events: [] });
      expect(await count(c, 'c', { kinds: GATED })).toBe(0);
      expect(await count(c, 'c2', { '#p': [bob.pk] })).toBe(0);
      // The sender of the DM is not its recipient either.
      expect((await a.req('sent', { kinds: [446] })).events).toEqual([]);
    } finally {
      b.close();
      c.close();
    }
  });

  it('live broadcast reaches only the recipient', async () => {
    const b = await clientAs(relay.url, bob);
    const c = await clientAs(relay.url, carol);
    try {
      await b.req('live', { kinds: GATED, limit: 0 });
      await c.req('live', { kinds: GATED, limit: 0 });
      await c.req('live-all', { limit: 0 });
      const fresh = addressedTo(bob.pk);
      for (const ev of fresh) expect((await publish(a, ev))[0]).toBe(true);
      await settle(b);
      await settle(c);
      const toBob = b.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'live').map((m) => (m[2] as { id: string }).id);
      expect(toBob.sort()).toEqual(fresh.map((e) => e.id).sort());
      expect(c.messages.filter((m) => m[0] === 'EVENT')).toEqual([]);
    } finally {
      b.close();
      c.close();
    }
  });

  it('NIP-70: a protected event is accepted only from its authenticated author', async () => {
    const fromBob = signed(bob, { tags: [['-']] });
    const [ok, message] = await publish(a, fromBob);
    expect(ok).toBe(false);
    expect(message).toMatch(/^restricted: /);
    const b = await clientAs(relay.url, bob);
    try {
      expect(await publish(b, fromBob)).toEqual([true, '']);
    } finally {
      b.close();
    }
  });

  it('the recipient may delete a gift wrap addressed to it; another member may not', async () => {
    const wrap = signed(identity(), { kind: 1059, tags: [['p', bob.pk]], content: 'to delete' });
    expect((await publish(a, wrap))[0]).toBe(true);
    const c = await clientAs(relay.url, carol);
    const b = await clientAs(relay.url, bob);
    try {
      await publish(c, signed(carol, { kind: 5, tags: [['e', wrap.id]], content: '' }));
      expect((await b.req('still', { ids: [wrap.id] })).events).toHaveLength(1);
      expect((await publish(b, signed(bob, { kind: 5, tags: [['e', wrap.id]], content: '' })))[0]).toBe(true);
      expect((await b.req('gone', { ids: [wrap.id] })).events).toEqual([]);
    } finally {
      b.close();
      c.close();
    }
  });
});

describe('recipient-only kinds with auth off (public relay mode)', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({ overrides: { auth: { required: false } } });
  });
  afterAll(async () => relay?.stop());

  it('anonymous readers are asked to authenticate for gated kinds and never see them on other paths', async () => {
    const pub = await clientAs(relay.url);
    const anon = await clientAs(relay.url);
    try {
      await anon.req('live-all', { limit: 0 });
      const evs = addressedTo(bob.pk);
      for (const ev of evs) expect((await publish(pub, ev))[0]).toBe(true);
      const note = signed(alice);
      expect((await publish(pub, note))[0]).toBe(true);
      await settle(anon);
      const live = anon.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'live-all').map((m) => (m[2] as { id: string }).id);
      expect(live).toEqual([note.id]);
      expect((await anon.req('gated', { kinds: [1059] })).closed).toMatch(/^auth-required: /);
      const all = await anon.req('all', {});
      expect(all.events.map((e) => e.id)).toEqual([note.id]);
      expect(await count(anon, 'n', {})).toBe(1);
      const b = await clientAs(relay.url, bob);
      try {
        expect(await count(b, 'n', {})).toBe(4);
      } finally {
        b.close();
      }
    } finally {
      pub.close();
      anon.close();
    }
  });
});
