import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    overrides: { limits: { max_subscriptions: 3, max_filters: 2, max_event_tags: 5, max_tag_bytes: 2048, max_message_bytes: 4096, max_limit: 10 } },
  });
});
afterAll(async () => {
  await relay.stop();
});

describe('malformed frames and limits', () => {
  it('answers garbage with NOTICE and keeps the connection usable', async () => {
    const c = await RawClient.open(relay.url);
    const frames = ['not json', '{}', '[]', '[1,2]', '["NOPE"]', '["EVENT"]', '["REQ"]', '["CLOSE"]', '"str"', '[null]'];
    for (const f of frames) {
      const m = await c.request(f, (x) => x[0] === 'NOTICE');
      expect(m[1]).toMatch(/^invalid: /);
    }
    const ev = signed(identity());
    expect((await c.publish(ev))[2]).toBe(true);
    c.close();
  });

  it('refuses an oversized frame with a NOTICE, and the same connection goes on', async () => {
    const c = await RawClient.open(relay.url);
    const big = signed(identity(), { content: 'x'.repeat(5000) });
    const m = await c.request(['EVENT', big], (x) => x[0] === 'NOTICE');
    expect(m[1]).toMatch(/^invalid: message is larger than 4096 bytes/);
    expect((await c.publish(signed(identity())))[2]).toBe(true);
    c.close();
  });

  it('enforces tags, timestamps, filters, subscriptions and subscription ids', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    const manyTags = signed(who, { tags: Array.from({ length: 6 }, (_, i) => ['t', String(i)]) });
    expect((await c.publish(manyTags))[3]).toMatch(/^invalid: too many tags/);
    const bigTag = signed(who, { tags: [['t', 'x'.repeat(3000)]] });
    expect((await c.publish(bigTag))[3]).toMatch(/^invalid: tags are larger than 2048 bytes/);
    const future = signed(who, { created_at: now() + 3600 });
    expect((await c.publish(future))[3]).toMatch(/^invalid: created_at is more than 900s in the future/);
    const ancient = signed(who, { created_at: 1000 });
    expect((await c.publish(ancient))[3]).toMatch(/^invalid: created_at is more than/);

    const tooMany = await c.req('f', { kinds: [1] }, { kinds: [2] }, { kinds: [3] });
    expect(tooMany.closed).toMatch(/^invalid: too many filters/);
    const badFilter = await c.req('g', { kinds: 'x' });
    expect(badFilter.closed).toMatch(/^invalid: kinds must be an array/);
    const unknownField = await c.req('h', { foo: 1 });
    expect(unknownField.closed).toMatch(/^invalid: unknown filter field/);
    const negLimit = await c.req('i', { limit: -1 });
    expect(negLimit.closed).toMatch(/^invalid: limit must be a non-negative integer/);

    for (const id of ['s1', 's2', 's3']) expect((await c.req(id, { kinds: [1] })).closed).toBeUndefined();
    const fourth = await c.req('s4', { kinds: [1] });
    expect(fourth.closed).toMatch(/^rate-limited: too many open subscriptions/);
    // NIP-01: a refused REQ gets CLOSED, echoing the id as sent (issue 16: a NOTICE left nostr-tools waiting).
    const longId = await c.request(['REQ', 'x'.repeat(100), {}], (m) => m[0] === 'CLOSED' || m[0] === 'NOTICE');
    expect(longId).toEqual(['CLOSED', 'x'.repeat(100), expect.stringMatching(/^invalid: subscription id is longer than 64/)]);
    c.close();
  });

  it('clamps limit to max_limit', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    for (let i = 0; i < 12; i++) await c.publish(signed(who, { created_at: now() - i }));
    const r = await c.req('l', { authors: [who.pk], limit: 1000 });
    expect(r.events.length).toBe(10);
    c.close();
  });

  it('does not disturb other clients when one sends garbage', async () => {
    const good = await RawClient.open(relay.url);
    const bad = await RawClient.open(relay.url);
    const who = identity();
    await good.req('watch', { authors: [who.pk] });
    for (let i = 0; i < 50; i++) bad.send('{{{{');
    bad.send(Buffer.from([0xff, 0xfe, 0xfd]));
    const ev = signed(who);
    expect((await good.publish(ev))[2]).toBe(true);
    await good.next((m) => m[0] === 'EVENT' && m[1] === 'watch');
    good.close();
    bad.close();
  });
});
