import { describe, expect, it } from 'vitest';
import { RawClient, startTestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

describe('durability across a restart', () => {
  it('finds every acknowledged event after the relay restarts on the same file', async () => {
    let relay = await startTestRelay();
    const c = await RawClient.open(relay.url);
    const who = identity();
    const acked: string[] = [];
    // Publish without awaiting each OK, so several land in one write batch.
    const events = Array.from({ length: 200 }, (_, i) => signed(who, { content: `n${i}`, created_at: now() - 1000 + i }));
    const oks = await Promise.all(events.map((ev) => c.publish(ev)));
    for (const ok of oks) if (ok[2] === true) acked.push(ok[1] as string);
    expect(acked.length).toBe(200);
    c.close();
    relay = await relay.restart();
    const d = await RawClient.open(relay.url);
    const r = await d.req('all', { authors: [who.pk], limit: 1000 });
    expect(new Set(r.events.map((e) => e.id))).toEqual(new Set(acked));
    d.close();
    await relay.stop();
  });
});
