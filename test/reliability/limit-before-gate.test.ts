/**
 * Issue 14 item 2: hidden events (gift wraps, Noise DMs, KeyPackage requests addressed to someone
 * else) must not use up a reader's `limit`, or their number and arrival times leak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { clientAs, count, publish } from '../auth/e2e-support.js';

const [mallory, victim, sender] = [identity(), identity(), identity()];

describe('issue 14 item 2: the read gate applies before limit', () => {
  let relay: TestRelay;
  let m: RawClient;
  let s: RawClient;
  const T = now() - 1000;
  const own: string[] = [];

  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: { auth: { required: true, allowlist: [mallory.pk, victim.pk, sender.pk] }, limits: { max_count: 8 } },
    });
    m = await clientAs(relay.url, mallory);
    s = await clientAs(relay.url, sender);
    // Mallory's own ten notes tagging the victim, older than everything hidden.
    for (let i = 0; i < 10; i++) {
      const ev = signed(mallory, { kind: 1, tags: [['p', victim.pk]], content: `note ${i}`, created_at: T + i });
      own.push(ev.id);
      expect((await publish(m, ev))[0]).toBe(true);
    }
    // Seven hidden events addressed to the victim, newer than Mallory's notes.
    for (let i = 0; i < 7; i++) {
      const kind = [1059, 446, 447][i % 3]!;
      const tags = kind === 446 ? [['p', victim.pk], ['v', 'noise.1']] : [['p', victim.pk]];
      const ev = signed(kind === 1059 ? identity() : sender, { kind, tags, content: 'hidden', created_at: T + 100 + i });
      expect((await publish(s, ev))[0]).toBe(true);
    }
  });
  afterAll(async () => {
    m.close();
    s.close();
    await relay.stop();
  });

  it('REQ: a non-recipient gets its full limit of readable events, whatever is hidden', async () => {
    const got = await m.req('p', { '#p': [victim.pk], limit: 10 });
    expect(got.events.map((e) => e.id).sort()).toEqual([...own].sort());
    // Varying until around the hidden events changes nothing it can see.
    for (const until of [T + 103, T + 106, T + 200]) {
      const r = await m.req(`u-${until}`, { '#p': [victim.pk], until, limit: 5 });
      expect(r.events).toHaveLength(5);
      expect(r.events.every((e) => e.kind === 1)).toBe(true);
    }
  });

  it('COUNT: hidden events never fill the scan bound; the flag reflects only readable events', async () => {
    // max_count = 8: the ten readable notes reach it, so approximate; the seven hidden ones do not change the answer.
    const reply = await m.request(['COUNT', 'c', { '#p': [victim.pk] }], (f) => f[0] === 'COUNT' && f[1] === 'c');
    expect(reply[2]).toEqual({ count: 8, approximate: true });
    expect(await count(m, 'c2', { '#p': [victim.pk], since: T + 5 })).toBe(5);
  });

  it('the recipient still sees its events', async () => {
    const v = await clientAs(relay.url, victim);
    try {
      const got = await v.req('mine', { kinds: [1059, 446, 447], '#p': [victim.pk], limit: 3 });
      expect(got.events).toHaveLength(3);
    } finally {
      v.close();
    }
  });
});
