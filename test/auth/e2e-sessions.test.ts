import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { authAs, clientAs, nip86, publish, settle } from './e2e-support.js';

const [admin, alice, bob, carol] = [identity(), identity(), identity(), identity()];
const wrapFor = (pk: string) => signed(identity(), { kind: 1059, tags: [['p', pk]], content: 'wrapped' });

describe('sessions: AUTH after the prefix, several identities, rate limits', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [alice.pk, bob.pk, carol.pk], admin_pubkeys: [admin.pk] },
        rate_limits: { events_per_minute: 3, connections_per_ip: 0 },
        extensions: { enabled: [] },
      },
    });
  });
  afterAll(async () => relay?.stop());

  it('a client that authenticates only after auth-required: then succeeds on the same connection', async () => {
    const c = await clientAs(relay.url);
    try {
      const ev = signed(alice);
      const first = await publish(c, ev);
      expect(first[1]).toMatch(/^auth-required: /);
      expect((await c.req('s', { kinds: [1] })).closed).toMatch(/^auth-required: /);
      expect((await authAs(c, alice))[0]).toBe(true);
      expect(await publish(c, ev)).toEqual([true, '']);
      expect((await c.req('s2', { ids: [ev.id] })).events).toHaveLength(1);
    } finally {
      c.close();
    }
  });

  it('banning one of two identities of a connection keeps its subscription but stops what only that identity could read', async () => {
    const both = await clientAs(relay.url, bob, carol);
    const a = await clientAs(relay.url, alice);
    try {
      await both.req('wraps', { kinds: [1059], limit: 0 });
      const mark = both.messages.length;
      expect((await nip86(relay.httpUrl, admin, 'banpubkey', [bob.pk])).json.result).toBe(true);
      const toBob = wrapFor(bob.pk);
      const toCarol = wrapFor(carol.pk);
      expect((await publish(a, toBob))[0]).toBe(true);
      expect((await publish(a, toCarol))[0]).toBe(true);
      await settle(both);
      const after = both.messages.slice(mark);
      expect(after.filter((m) => m[0] === 'CLOSED')).toEqual([]);
      expect(after.filter((m) => m[0] === 'EVENT').map((m) => (m[2] as { id: string }).id)).toEqual([toCarol.id]);
      expect((await both.req('stored', { kinds: [1059] })).events.map((e) => e.id)).toEqual([toCarol.id]);
    } finally {
      both.close();
      a.close();
      await nip86(relay.httpUrl, admin, 'unbanpubkey', [bob.pk]);
    }
  });

  it('events past the per-minute budget of a pubkey get rate-limited:', async () => {
    const c = await clientAs(relay.url, carol);
    try {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await publish(c, signed(carol, { content: `m${i}` })));
      expect(results.slice(0, 3).map((r) => r[0])).toEqual([true, true, true]);
      expect(results[3]?.[0]).toBe(false);
      expect(results[3]?.[1]).toMatch(/^rate-limited: /);
    } finally {
      c.close();
    }
  });

  it('auth failures and rate-limit hits are counted in /metrics', async () => {
    const text = await (await fetch(relay.server.metricsUrl)).text();
    expect(text).toMatch(/nostr_relay_rate_limited_total\{scope="pubkey"\} [1-9]/);
    expect(text).toMatch(/nostr_relay_bans_total [1-9]/);
    const s = await RawClient.open(relay.url);
    try {
      await authAs(s, identity());
    } finally {
      s.close();
    }
    const again = await (await fetch(relay.server.metricsUrl)).text();
    expect(again).toMatch(/nostr_relay_auth_failures_total\{reason="restricted"\} [1-9]/);
  });
});
