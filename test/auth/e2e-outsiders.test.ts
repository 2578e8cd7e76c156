/**
 * Discovery and inbox for people outside the allowlist (auth.public_read_kinds,
 * auth.inbox_from_anyone), through the real server: an unauthenticated client reads a member's
 * KeyPackages and inbox list, delivers a Welcome, and sees nothing else — REQ, COUNT, live, ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { adopted30443, makeKeyPackage, mlsIdentity, wrapWelcome } from '../mls/fixtures.js';
import { authAs, clientAs, count, publish, settle } from './e2e-support.js';
import { restCall } from '../mls-gateway/e2e-support.js';

const alice = mlsIdentity();
const bob = identity();
const stranger = identity();
const PUBLIC = [0, 10002, 10050, 443, 30443];

function outsiderRelay(extra: Record<string, unknown> = {}): Promise<TestRelay> {
  return startTestRelay({
    overrides: {
      auth: { required: true, allowlist: [alice.pk, bob.pk], public_read_kinds: PUBLIC, inbox_from_anyone: true, ...extra },
      extensions: { enabled: ['mls-gateway'] },
      rate_limits: { keypackages_per_hour: 0 },
    },
  });
}

describe('outsiders on a relay that opened discovery and its inbox', () => {
  let relay: TestRelay;
  let a: RawClient;
  let anon: RawClient;
  const stored: Record<string, { id: string }> = {};

  beforeAll(async () => {
    relay = await outsiderRelay();
    a = await clientAs(relay.url, alice);
    anon = await clientAs(relay.url);
    stored.keyPackage = adopted30443(alice, await makeKeyPackage(alice));
    stored.inboxList = signed(alice, { kind: 10050, tags: [['relay', 'wss://inbox.example.com']], content: '' });
    stored.note = signed(alice, { kind: 1, tags: [['p', bob.pk]], content: 'members only' });
    stored.wrap = signed(identity(), { kind: 1059, tags: [['p', alice.pk]], content: 'sealed' });
    stored.dm = signed(bob, { kind: 446, tags: [['p', alice.pk], ['v', 'noise.1']], content: 'noise' });
    for (const ev of Object.values(stored)) expect((await publish(a, ev))[0]).toBe(true);
  });
  afterAll(async () => {
    a.close();
    anon.close();
    await relay.stop();
  });

  const ids = (events: Record<string, unknown>[]) => events.map((e) => e.id).sort();

  it("reads a member's KeyPackages and inbox list without AUTH", async () => {
    const got = await anon.req('discover', { kinds: [30443, 10050], authors: [alice.pk] });
    expect(got.closed).toBeUndefined();
    expect(ids(got.events)).toEqual([stored.keyPackage!.id, stored.inboxList!.id].sort());
  });

  it('gets only public kinds from a filter naming no kinds, other kinds, ids or #p', async () => {
    const publicIds = [stored.keyPackage!.id, stored.inboxList!.id].sort();
    expect(ids((await anon.req('all', { authors: [alice.pk] })).events)).toEqual(publicIds);
    expect(ids((await anon.req('mixed', { kinds: [1, 10050], authors: [alice.pk] })).events)).toEqual([stored.inboxList!.id]);
    const byId = await anon.req('ids', { ids: [stored.note!.id, stored.wrap!.id, stored.dm!.id] });
    expect(byId.events).toEqual([]);
    expect((await anon.req('p', { '#p': [alice.pk, bob.pk] })).events).toEqual([]);
    expect((await anon.req('empty', {})).events.every((e) => PUBLIC.includes(e.kind as number))).toBe(true);
  });

  it('is told to authenticate when it asks only for private kinds', async () => {
    expect((await anon.req('notes', { kinds: [1] })).closed).toMatch(/^auth-required:/);
    expect((await anon.req('wraps', { kinds: [1059], '#p': [alice.pk] })).closed).toMatch(/^auth-required:/);
    expect(await count(anon, 'c-notes', { kinds: [1] })).toMatch(/^auth-required:/);
  });

  it('COUNT counts only what it may read', async () => {
    expect(await count(anon, 'c-all', { authors: [alice.pk] })).toBe(2);
    expect(await count(anon, 'c-ids', { ids: [stored.note!.id, stored.wrap!.id] })).toBe(0);
    expect(await count(a, 'c-member', { authors: [alice.pk] })).toBeGreaterThanOrEqual(3);
  });

  it('live: receives new public events, never the private ones', async () => {
    await anon.req('live', { authors: [alice.pk], since: now() - 1 });
    const from = anon.messages.length;
    const note = signed(alice, { kind: 1, content: 'still private' });
    const list = signed(alice, { kind: 10002, tags: [['r', 'wss://relay.example.com']], content: '' });
    expect((await publish(a, note))[0]).toBe(true);
    expect((await publish(a, list))[0]).toBe(true);
    await settle(anon);
    const live = anon.messages.slice(from).filter((m) => m[0] === 'EVENT' && m[1] === 'live');
    expect(live.map((m) => (m[2] as { id: string }).id)).toEqual([list.id]);
  });

  it('delivers a Welcome gift wrap to a member, which the member reads; nothing else is accepted', async () => {
    const welcome = wrapWelcome(stranger, alice.pk, new Uint8Array(200), { keyPackageEventId: stored.keyPackage!.id, relays: [] });
    expect(await publish(anon, welcome)).toEqual([true, '']);
    const inbox = await a.req('inbox', { kinds: [1059], '#p': [alice.pk] });
    expect(inbox.events.map((e) => e.id)).toContain(welcome.id);
    // The wrap stays unreadable to the outsider who delivered it.
    expect((await anon.req('peek', { ids: [welcome.id] })).events).toEqual([]);
    const toStranger = signed(identity(), { kind: 1059, tags: [['p', stranger.pk]], content: 'x' });
    expect((await publish(anon, toStranger))[1]).toMatch(/^auth-required:/);
    expect((await publish(anon, signed(stranger, { kind: 1, content: 'hi' })))[1]).toMatch(/^auth-required:/);
    expect((await publish(anon, signed(stranger, { kind: 10050, content: '' })))[1]).toMatch(/^auth-required:/);
  });

  it('an outsider that authenticated a non-allowed key reads public kinds too, and gets restricted: otherwise', async () => {
    const other = await clientAs(relay.url);
    try {
      expect((await authAs(other, stranger))[0]).toBe(false);
      expect(ids((await other.req('kp', { kinds: [30443], authors: [alice.pk] })).events)).toEqual([stored.keyPackage!.id]);
      expect((await other.req('notes', { kinds: [1] })).closed).toMatch(/^restricted:/);
    } finally {
      other.close();
    }
  });

  it('NIP-11 says which kinds are public and that the inbox takes deliveries', async () => {
    const res = await fetch(relay.httpUrl, { headers: { Accept: 'application/nostr+json' } });
    const info = (await res.json()) as { limitation: Record<string, unknown> };
    expect(info.limitation).toMatchObject({ public_read_kinds: PUBLIC, inbox_from_anyone: true, inbox_max_bytes: 524288 });
  });
});

describe("strangers' inbox budget", () => {
  it('caps the size and the per-IP rate of deliveries from outsiders, not from members', async () => {
    const limited = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [alice.pk], inbox_from_anyone: true, inbox_max_bytes: 2048 },
        rate_limits: { inbox_deliveries_per_minute_per_ip: 2 },
        extensions: { enabled: [] },
      },
    });
    const anon = await clientAs(limited.url);
    const member = await clientAs(limited.url, alice);
    try {
      const wrap = (content: string) => signed(identity(), { kind: 1059, tags: [['p', alice.pk]], content });
      expect((await publish(anon, wrap('x'.repeat(3000))))[1]).toMatch(/^invalid: a gift wrap from outside the relay may be at most 2048 bytes/);
      expect((await publish(anon, wrap('one')))[0]).toBe(true);
      expect((await publish(anon, wrap('two')))[0]).toBe(true);
      expect((await publish(anon, wrap('three')))[1]).toMatch(/^rate-limited:/);
      // Members are not concerned by the strangers' budget.
      expect((await publish(member, wrap('x'.repeat(3000))))[0]).toBe(true);
      expect((await publish(member, wrap('four')))[0]).toBe(true);
    } finally {
      anon.close();
      member.close();
      await limited.stop();
    }
  });
});

describe('defaults keep a private relay private', () => {
  it('an anonymous client reads and delivers nothing', async () => {
    const relay = await startTestRelay({ overrides: { auth: { required: true, allowlist: [alice.pk] } } });
    const anon = await clientAs(relay.url);
    try {
      expect((await anon.req('kp', { kinds: [30443], authors: [alice.pk] })).closed).toMatch(/^auth-required:/);
      const wrap = signed(identity(), { kind: 1059, tags: [['p', alice.pk]], content: 'x' });
      expect((await publish(anon, wrap))[1]).toMatch(/^auth-required:/);
    } finally {
      anon.close();
      await relay.stop();
    }
  });
});

describe('consume_on_fetch for outside readers', () => {
  it('hands an outsider one package, claimed, and limits fetches per IP', async () => {
    const relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [alice.pk], public_read_kinds: [30443] },
        extensions: { enabled: ['mls-gateway'] },
        mls_gateway: { consume_on_fetch: true, keypackage_fetches_per_hour: 1 },
        rate_limits: { keypackages_per_hour: 0 },
      },
    });
    const a = await clientAs(relay.url, alice);
    const anon = await clientAs(relay.url);
    try {
      for (let i = 0; i < 3; i++) expect((await publish(a, adopted30443(alice, await makeKeyPackage(alice))))[0]).toBe(true);
      const first = await anon.req('kp1', { kinds: [30443], authors: [alice.pk] });
      expect(first.events).toHaveLength(1);
      // The same IP's next fetch of this owner is over its budget: nothing more is handed out.
      expect((await anon.req('kp2', { kinds: [30443], authors: [alice.pk] })).events).toEqual([]);
      // The owner still sees all three; the directory shows the one handed out as claimed.
      expect((await a.req('own', { kinds: [30443], authors: [alice.pk] })).events).toHaveLength(3);
      const listing = await restCall(relay, alice, 'GET', `/keypackages?owner=${alice.pk}`);
      expect(listing.json).toMatchObject({ count: 3, available: 2 });
      const claimed = (listing.json.keypackages as { event_id: string; claimed: boolean }[]).filter((p) => p.claimed);
      expect(claimed.map((p) => p.event_id)).toEqual([first.events[0]!.id]);
    } finally {
      a.close();
      anon.close();
      await relay.stop();
    }
  });
});
