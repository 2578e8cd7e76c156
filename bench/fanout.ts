// Benchmark 3: fanout — one publisher, K subscribers (K = 10, 100, 1,000) on one group's #h, spread over worker
// threads of the load generator; latency from the publisher's send to each subscriber's receipt, p50/p99.
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../src/runtime/module-worker.js';
import { BenchClient } from './lib/client.js';
import { b64, groupId } from './lib/events.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity, signEvent } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';
import type { FanoutWorkerData } from './fanout-worker.js';

const SUBSCRIBER_THREADS = 2;
const SUBSCRIBER_LABELS = Array.from({ length: 20 }, (_, i) => `fanout-sub-${i}`);
const PUBLISHER = benchIdentity('fanout-publisher');
/** Gap between published events: latency of single deliveries, not a throughput test. */
const PUBLISH_GAP_MS = 50;

function startWorker(data: FanoutWorkerData): { worker: Worker; ready: Promise<void> } {
  const worker = spawnModuleWorker(import.meta.url, 'fanout-worker', data);
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return { worker, ready };
}

function collect(worker: Worker): Promise<number[]> {
  return new Promise((resolve) => {
    worker.on('message', (m: { type: string; latencies?: number[] }) => {
      if (m.type === 'latencies') resolve(m.latencies!);
    });
    worker.postMessage({ type: 'done' });
  });
}

/** Delivery latencies (ms) of one fanout load against a running relay at `url`. */
export type FanoutLoad = { latencies: number[]; expected: number };

/**
 * K subscribers on one group's #h, `events` publications of kind 445 by one publisher, against the relay at
 * `url`. With `auth` every connection authenticates (NIP-42) as one of the fanout identities (see fanoutAllowlist).
 */
export async function fanoutLoad(url: string, k: number, events: number, auth = true): Promise<FanoutLoad> {
  const labels = auth ? SUBSCRIBER_LABELS : [];
  const group = groupId(7);
  const threads = Math.min(SUBSCRIBER_THREADS, k);
  const workers = Array.from({ length: threads }, (_, t) =>
    startWorker({ url, subscribers: Math.floor(k / threads) + (t < k % threads ? 1 : 0), group, labels }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const pub = auth ? await BenchClient.openAs(url, PUBLISHER) : await BenchClient.open(url);
    const signer = benchIdentity('fanout-ephemeral');
    for (let i = 0; i < events; i++) {
      const body = Buffer.from(Buffer.from(b64(512), 'base64'));
      body.writeDoubleLE(performance.timeOrigin + performance.now(), 0);
      const ev = signEvent(signer, { kind: 445, created_at: Math.floor(Date.now() / 1000), tags: [['h', group]], content: body.toString('base64') });
      const reply = await pub.publish(ev);
      if (!reply.ok) throw new Error(`fanout publish refused: ${reply.message}`);
      await new Promise((r) => setTimeout(r, PUBLISH_GAP_MS));
    }
    await new Promise((r) => setTimeout(r, 500)); // let the last deliveries land
    const latencies = (await Promise.all(workers.map((w) => collect(w.worker)))).flat();
    pub.close();
    return { latencies, expected: k * events };
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

/** The pubkeys a relay must allow for fanoutLoad with auth. */
export function fanoutAllowlist(): string[] {
  return [PUBLISHER.pubkey, ...SUBSCRIBER_LABELS.map((l) => benchIdentity(l).pubkey)];
}

/** One level: K subscribers, `events` publications on a fresh relay process. */
async function level(k: number, events: number): Promise<FanoutLoad> {
  const relay = await startRelayProcess({ config: { auth: { required: true, allowlist: fanoutAllowlist() } } });
  try {
    return await fanoutLoad(relay.url, k, events);
  } finally {
    await relay.stop();
  }
}

/** `npm run bench -- fanout [events per level]`. */
export async function runFanout(events: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const k of [10, 100, 1000]) {
    const { latencies, expected } = await level(k, events);
    rows.push({
      bench: 'fanout',
      what: `1 publisher → ${int(k)} subscribers (#h), ${events} events of 445; delivered ${int(latencies.length)}/${int(expected)}`,
      result: `p50 ${ms(quantile(latencies, 0.5))} / p99 ${ms(quantile(latencies, 0.99))} ms`,
      target: k === 1000 ? 'p99 < 50 ms' : undefined,
    });
  }
  return rows;
}
