import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, TEST_RELAY_URL, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { sendCase } from './frame-client.js';
import { mutateFrame, prng } from './mutate.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    overrides: {
      limits: { max_subscriptions: 1000 },
      rate_limits: { reqs_per_minute: 0, events_per_minute: 0, events_per_minute_per_ip: 0 },
    },
  });
});
afterAll(async () => {
  await relay.stop();
});

function seedFrames(challenge: string): string[] {
  const who = identity();
  const other = identity();
  return [
    JSON.stringify(['EVENT', signed(who, { tags: [['p', other.pk], ['t', 'fuzz']] })]),
    JSON.stringify(['EVENT', signed(who, { kind: 1059, tags: [['p', other.pk]], content: 'wrapped' })]),
    JSON.stringify(['EVENT', signed(who, { kind: 30000, tags: [['d', 'x']] })]),
    JSON.stringify(['REQ', 'fz', { kinds: [1], authors: [who.pk], limit: 5 }, { '#p': [other.pk], since: now() - 60 }]),
    JSON.stringify(['COUNT', 'fc', { ids: [who.pk], kinds: [1059] }]),
    JSON.stringify(['CLOSE', 'fz']),
    JSON.stringify(['AUTH', signed(who, { kind: 22242, content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', challenge]] })]),
  ];
}

async function challengeOf(client: RawClient): Promise<string> {
  return (await client.next((m) => m[0] === 'AUTH'))[1] as string;
}

/** Must this frame get an OK or a NOTICE? Yes for anything unparseable and for every EVENT. */
function needsAnswer(frame: string): boolean {
  try {
    const msg = JSON.parse(frame) as unknown;
    return !Array.isArray(msg) || typeof msg[0] !== 'string' || msg[0] === 'EVENT';
  } catch {
    return true;
  }
}

describe('fuzzing with mutated valid frames', () => {
  it(`never crashes or hangs, and answers every EVENT (${ITERATIONS} iterations)`, async () => {
    const rnd = prng(SEED);
    let client = await RawClient.open(relay.url);
    let seeds = seedFrames(await challengeOf(client));
    const unanswered: string[] = [];
    let closedByRelay = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const frame = mutateFrame(rnd, seeds[Math.floor(rnd() * seeds.length)] as string);
      const out = await sendCase(client, { name: `#${i}`, data: frame, expect: { silent: true } }, 10_000);
      if (out.closeCode !== undefined) {
        closedByRelay++;
        client = await RawClient.open(relay.url);
        seeds = seedFrames(await challengeOf(client));
        continue;
      }
      if (needsAnswer(frame) && !out.replies.some((m) => m[0] === 'OK' || m[0] === 'NOTICE')) {
        unanswered.push(`#${i} ${frame.slice(0, 160)}`);
      }
      client.messages.length = 0;
      // Subscriptions opened by mutated REQs would pile up: close them now and then.
      if (i % 200 === 199) {
        client.close();
        client = await RawClient.open(relay.url);
        seeds = seedFrames(await challengeOf(client));
      }
    }
    client.close();
    console.log(`[fuzz] ${ITERATIONS} mutated frames (seed ${SEED}); connections closed by the relay: ${closedByRelay}`);
    expect(unanswered).toEqual([]);
    // Text frames built from JS strings are valid UTF-8 and under the size bound: no reason to hang up.
    expect(closedByRelay).toBe(0);

    const author = identity();
    const sub = await RawClient.open(relay.url);
    await sub.req('after', { authors: [author.pk] });
    const pub = await RawClient.open(relay.url);
    const ev = signed(author);
    expect((await pub.publish(ev))[2]).toBe(true);
    const live = await sub.next((m) => m[0] === 'EVENT' && m[1] === 'after');
    expect((live[2] as { id: string }).id).toBe(ev.id);
    sub.close();
    pub.close();
  }, 300_000);
});
