import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LARGE_FRAME_BYTES } from '../../src/nostr/frame-elements.js';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';

// REQ, COUNT and CLOSE frames of LARGE_FRAME_BYTES and more are parsed from their bytes element by
// element (no string as long as the frame); what a client sees must be what a small frame gets.

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => {
  await relay.stop();
});

/** `n` distinct 64-character `#t` values, the first `hits` of which the stored events carry. */
const values = (n: number) => Array.from({ length: n }, (_, i) => `topic-${i}`.padEnd(64, 'x'));

describe('large frames', () => {
  it('a large REQ reads the same events as the same filters in a small one, and a large COUNT counts them', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    const topics = values(1200);
    const stored = topics.slice(0, 3).map((t, i) => signed(who, { kind: 1, tags: [['t', t]], content: `é ${i} "quoted", [bracketed]` }));
    for (const ev of stored) expect((await c.publish(ev))[2]).toBe(true);

    const filters = Array.from({ length: 30 }, (_, f) => ({ '#t': topics.slice(f * 40, f * 40 + 40), kinds: [1] }));
    const frame = JSON.stringify(['REQ', 'large', ...filters]);
    expect(Buffer.byteLength(frame)).toBeGreaterThanOrEqual(LARGE_FRAME_BYTES);
    const large = await c.req('large', ...filters);
    const small = await c.req('small', { '#t': topics.slice(0, 3), kinds: [1] });
    expect(large.closed).toBeUndefined();
    expect(large.events.map((e) => e.id).sort()).toEqual(stored.map((e) => e.id).sort());
    expect(large.events).toEqual(small.events);

    const count = await c.request(['COUNT', 'n', ...filters], (m) => m[0] === 'COUNT' && m[1] === 'n');
    expect(count[2]).toEqual({ count: 3 });
    c.close();
  });

  it('a large malformed REQ gets the NOTICE a small one gets, and the connection goes on', async () => {
    const c = await RawClient.open(relay.url);
    const broken = JSON.stringify(['REQ', 'bad', { '#t': values(1200) }]).replace(/,"topic-7/, ',,"topic-7');
    expect(Buffer.byteLength(broken)).toBeGreaterThanOrEqual(LARGE_FRAME_BYTES);
    const m = await c.request(broken, (x) => x[0] === 'NOTICE');
    expect(m[1]).toBe('invalid: could not parse message: not valid JSON');
    expect((await c.publish(signed(identity())))[2]).toBe(true);
    c.close();
  });

  it('a large EVENT still goes through the text path and is stored as sent', async () => {
    const c = await RawClient.open(relay.url);
    const ev = signed(identity(), { kind: 1, content: 'y'.repeat(LARGE_FRAME_BYTES) });
    expect((await c.publish(ev))[2]).toBe(true);
    const back = await c.req('back', { ids: [ev.id] });
    expect(back.events).toEqual([ev]);
    c.close();
  });
});
