import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => {
  await relay.stop();
});

describe('kind classes', () => {
  it('keeps only the newest replaceable event, ties to the lowest id', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    const t = now() - 100;
    const older = signed(who, { kind: 0, created_at: t, content: '{"name":"old"}' });
    const newer = signed(who, { kind: 0, created_at: t + 10, content: '{"name":"new"}' });
    await c.publish(newer);
    const late = await c.publish(older);
    // Not stored, so OK false (issue 16; relay-tester requires the refusal).
    expect(late[2]).toBe(false);
    expect(late[3]).toBe('invalid: a newer version of this replaceable or addressable event is stored');
    let r = await c.req('q', { authors: [who.pk], kinds: [0] });
    expect(r.events.map((e) => e.id)).toEqual([newer.id]);

    const tieA = signed(who, { kind: 10002, created_at: t, content: 'a' });
    const tieB = signed(who, { kind: 10002, created_at: t, content: 'b' });
    await c.publish(tieA);
    await c.publish(tieB);
    r = await c.req('q2', { authors: [who.pk], kinds: [10002] });
    expect(r.events.map((e) => e.id)).toEqual([[tieA.id, tieB.id].sort()[0]]);
    c.close();
  });

  it('lets exactly one of two racing versions survive, sent at once from two connections', async () => {
    const who = identity();
    const t = now();
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([RawClient.open(relay.url), RawClient.open(relay.url)]);
      const v1 = signed(who, { kind: 3, created_at: t + round, content: `v1-${round}` });
      const v2 = signed(who, { kind: 3, created_at: t + round, content: `v2-${round}` });
      await Promise.all([a.publish(v1), b.publish(v2)]);
      const r = await a.req('q', { authors: [who.pk], kinds: [3] });
      expect(r.events.length).toBe(1);
      expect(r.events[0]!.id).toBe([v1.id, v2.id].sort()[0]);
      a.close();
      b.close();
    }
  });

  it('keeps one addressable event per d tag', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    const t = now() - 10;
    await c.publish(signed(who, { kind: 30000, created_at: t, tags: [['d', 'x']] }));
    const x2 = signed(who, { kind: 30000, created_at: t + 1, tags: [['d', 'x']] });
    await c.publish(x2);
    const y = signed(who, { kind: 30000, created_at: t, tags: [['d', 'y']] });
    await c.publish(y);
    const r = await c.req('q', { authors: [who.pk], kinds: [30000] });
    expect(r.events.map((e) => e.id).sort()).toEqual([x2.id, y.id].sort());
    c.close();
  });

  it('broadcasts ephemeral events without storing them', async () => {
    const sub = await RawClient.open(relay.url);
    const pub = await RawClient.open(relay.url);
    const who = identity();
    await sub.req('eph', { kinds: [20001], authors: [who.pk] });
    const ev = signed(who, { kind: 20001 });
    const ok = await pub.publish(ev);
    expect(ok[2]).toBe(true);
    const got = await sub.next((m) => m[0] === 'EVENT' && m[1] === 'eph');
    expect((got[2] as { id: string }).id).toBe(ev.id);
    const r = await pub.req('later', { ids: [ev.id] });
    expect(r.events).toEqual([]);
    sub.close();
    pub.close();
  });
});
