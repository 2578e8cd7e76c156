/**
 * Issue 14 items 8 and 9: before a connection has an allowed identity it gets a small frame cap, a
 * per-IP byte budget and no signature work for events refused for auth anyway; and strangers'
 * inbox deliveries cannot fill the verifier so that a member's events are refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { clientAs, publish } from '../auth/e2e-support.js';

const member = identity();
const relays: TestRelay[] = [];
afterAll(async () => {
  for (const r of relays) await r.stop();
});

async function relayWith(overrides: Record<string, unknown>): Promise<TestRelay> {
  const relay = await startTestRelay({ overrides: { auth: { required: true, allowlist: [member.pk] }, ...overrides } });
  relays.push(relay);
  return relay;
}

describe('issue 14 item 8: unauthenticated sockets get a small budget', () => {
  it('caps frames before AUTH (a NOTICE, the connection lives), not after', async () => {
    const relay = await relayWith({});
    const c = await RawClient.open(relay.url);
    try {
      const big = signed(identity(), { kind: 1, content: 'x'.repeat(40_000) });
      c.send(['EVENT', big]);
      const notice = await c.next((m) => m[0] === 'NOTICE');
      expect(notice[1]).toBe('invalid: message is larger than 16384 bytes before authentication');
      expect(c.messages.some((m) => m[0] === 'OK')).toBe(false);
      // Still open: a small REQ is answered.
      expect((await c.req('small', { kinds: [1] })).closed).toMatch(/^auth-required:/);
      const m = await clientAs(relay.url, member);
      try {
        expect(await publish(m, signed(member, { kind: 1, content: 'y'.repeat(40_000) }))).toEqual([true, '']);
      } finally {
        m.close();
      }
    } finally {
      c.close();
    }
  });

  it('does no signature work for an event refused for auth: a forged signature still gets auth-required:', async () => {
    const relay = await relayWith({});
    const c = await RawClient.open(relay.url);
    try {
      const ev = signed(identity(), { kind: 1, content: 'hello' });
      const forged = { ...ev, sig: 'ff'.repeat(64) };
      expect((await c.publish(forged)).slice(2)).toEqual([false, 'auth-required: Publishing requires authentication']);
    } finally {
      c.close();
    }
  });

  it('closes a connection that spends its IP byte budget before AUTH', async () => {
    const relay = await relayWith({ limits: { unauthenticated_bytes_per_minute_per_ip: 30_000 } });
    const c = await RawClient.open(relay.url);
    let closed: { code: number; reason: string } | undefined;
    c.ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
    for (let i = 0; i < 5; i++) c.send(['EVENT', signed(identity(), { kind: 1, content: 'z'.repeat(10_000) })]);
    await waitFor(() => closed !== undefined);
    expect(closed).toEqual({ code: 1008, reason: 'rate-limited: too much data from this address before authentication' });
  });
});

describe("issue 14 item 9: strangers cannot fill the verifier members' events need", () => {
  it("a member's events are all accepted while 40 strangers deliver gift wraps at once", async () => {
    const relay = await relayWith({
      auth: { required: true, allowlist: [member.pk], inbox_from_anyone: true },
      // The worker pool's queue is what strangers must not fill: this relay keeps it (the harness default is in process).
      verify: { in_process: false, threads: 1, max_queue: 64 },
      rate_limits: { events_per_minute: 0, events_per_minute_per_ip: 0, inbox_deliveries_per_minute_per_ip: 0 },
    });
    const m = await clientAs(relay.url, member);
    const strangers = await Promise.all(Array.from({ length: 40 }, () => RawClient.open(relay.url)));
    try {
      const wraps = strangers.map(() => Array.from({ length: 5 }, () => signed(identity(), { kind: 1059, tags: [['p', member.pk]], content: 'w' })));
      const stranger = Promise.all(strangers.flatMap((s, i) => wraps[i]!.map((w) => s.publish(w))));
      const mine = Promise.all(Array.from({ length: 40 }, (_, i) => publish(m, signed(member, { kind: 1, content: `member ${i}` }))));
      const [fromMember, fromStrangers] = await Promise.all([mine, stranger]);
      expect(fromMember.filter(([ok]) => !ok)).toEqual([]);
      // Strangers beyond their share of the verifier were told to slow down; the others got in.
      const refused = fromStrangers.filter((f) => f[2] !== true).map((f) => String(f[3]));
      expect(refused.every((r) => r.startsWith('rate-limited:'))).toBe(true);
      expect(fromStrangers.some((f) => f[2] === true)).toBe(true);
    } finally {
      m.close();
      for (const s of strangers) s.close();
    }
  }, 60_000);
});
