// Subscriber side of the fanout benchmark, run in a worker thread of the load generator: holds a share of the
// K subscriptions (one authenticated connection each, REQ on the group's #h) and records each delivery's latency.
import { parentPort, workerData } from 'node:worker_threads';
import { BenchClient } from './lib/client.js';
import { benchIdentity } from './lib/sign.js';

/** What the main thread sends this worker; no `labels`: connections do not authenticate (a relay with auth off). */
export type FanoutWorkerData = { url: string; subscribers: number; group: string; labels: string[] };

const data = workerData as FanoutWorkerData;
const latencies: number[] = [];
const clients: BenchClient[] = [];
const ids = data.labels.map(benchIdentity);

for (let i = 0; i < data.subscribers; i += 50) {
  // Connect in slices of 50 so the relay's verify queue is not flooded with AUTH events at once.
  const slice = await Promise.all(
    Array.from({ length: Math.min(50, data.subscribers - i) }, async (_, j) => {
      const client = ids.length > 0 ? await BenchClient.openAs(data.url, ids[(i + j) % ids.length]!) : await BenchClient.open(data.url);
      client.onEvent = (_sub, ev, receivedAt) => {
        // The publisher wrote its absolute send time (ms since the epoch, sub-ms precision) into the first 8 bytes.
        const sentAt = Buffer.from(ev.content, 'base64').readDoubleLE(0);
        latencies.push(performance.timeOrigin + receivedAt - sentAt);
      };
      await client.req('fan', { kinds: [445], '#h': [data.group], limit: 0 });
      return client;
    }),
  );
  clients.push(...slice);
}
parentPort!.postMessage({ type: 'ready' });
parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type !== 'done') return;
  for (const c of clients) c.close();
  parentPort!.postMessage({ type: 'latencies', latencies });
});
