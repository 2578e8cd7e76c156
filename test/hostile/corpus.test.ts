import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { buildFrameCorpus, CORPUS_LIMITS } from './corpus/frames.js';
import { checkOutcome, sendCase } from './frame-client.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    overrides: { limits: CORPUS_LIMITS, rate_limits: { reqs_per_minute: 0, events_per_minute: 0, events_per_minute_per_ip: 0 } },
  });
});
afterAll(async () => {
  await relay.stop();
});

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

describe('hostile frame corpus', () => {
  it('answers every frame with its prefixed reply or disconnect, and the relay keeps serving others', async () => {
    const corpus = buildFrameCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    // A bystander subscribed before the attack must still receive a live event after it.
    const author = identity();
    const bystander = await RawClient.open(relay.url);
    await bystander.req('watch', { authors: [author.pk] });

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const failures: string[] = [];
    let client = await RawClient.open(relay.url);
    for (const c of corpus) {
      const out = await sendCase(client, c);
      const problem = checkOutcome(c.expect, out);
      if (problem) failures.push(`${c.name}: ${problem}`);
      if (out.closeCode !== undefined) client = await RawClient.open(relay.url);
      else client.messages.length = 0;
    }
    client.close();
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    // Relay and test share this process: the bound is generous (the corpus itself holds ~100 MB of frames).
    console.log(`[hostile] corpus ${corpus.length} frames; RSS ${mib(rssBefore)} → ${mib(rssAfter)} (Δ ${mib(rssAfter - rssBefore)})`);
    expect(failures).toEqual([]);
    expect(rssAfter - rssBefore).toBeLessThan(512 * 1024 * 1024);

    const ev = signed(author);
    const publisher = await RawClient.open(relay.url);
    expect((await publisher.publish(ev))[2]).toBe(true);
    const live = await bystander.next((m) => m[0] === 'EVENT' && m[1] === 'watch');
    expect((live[2] as { id: string }).id).toBe(ev.id);
    publisher.close();
    bystander.close();
  }, 180_000);
});
