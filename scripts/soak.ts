/**
 * Soak run: a relay child process on loopback under mixed traffic for a bounded time, printing its
 * RSS and event-loop lag every 10 s (read from its /metrics) and a final trend line.
 *
 *   npm run soak -- --minutes 3
 *
 * Traffic: publishers (kind 1 and 1059-like gift wraps), live subscribers that reconnect now and then,
 * and one-shot REQ/COUNT readers. Loopback only; nothing leaves this machine.
 */
import WebSocket from 'ws';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { startRelayProcess } from '../bench/lib/relay-process.js';

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf('--minutes') + 1] ?? 10) || 10;
const SAMPLE_MS = 10_000;

type Sample = { t: number; rssMiB: number; lagMs: number; events: number; conns: number };

const counters = { published: 0, acked: 0, received: 0, reqs: 0, reconnects: 0, errors: 0 };
let running = true;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function publisher(url: string, keys: Uint8Array[], others: string[]): Promise<void> {
  const ws = await open(url);
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as unknown[];
    if (m[0] === 'OK') counters.acked++;
  });
  for (let i = 0; running; i++) {
    const sk = keys[i % keys.length] as Uint8Array;
    const wrap = i % 5 === 0;
    const ev = finalizeEvent(
      {
        kind: wrap ? 1059 : 1,
        created_at: Math.floor(Date.now() / 1000),
        tags: wrap ? [['p', others[i % others.length] as string]] : [['t', 'soak']],
        content: `soak ${i} `.padEnd(200 + (i % 7) * 300, '.'),
      },
      sk,
    );
    ws.send(JSON.stringify(['EVENT', ev]));
    counters.published++;
    await sleep(20);
  }
  ws.close();
}

async function subscriber(url: string, authors: string[]): Promise<void> {
  while (running) {
    const ws = await open(url).catch(() => undefined);
    if (!ws) {
      counters.errors++;
      await sleep(500);
      continue;
    }
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as unknown[];
      if (m[0] === 'EVENT') counters.received++;
    });
    ws.send(JSON.stringify(['REQ', 'live', { authors, limit: 10 }]));
    // Stay 5–20 s, then reconnect: churn is part of the load.
    await sleep(5000 + Math.random() * 15_000);
    ws.close();
    counters.reconnects++;
  }
}

async function reader(url: string, authors: string[]): Promise<void> {
  const ws = await open(url);
  for (let i = 0; running; i++) {
    const sub = `r${i}`;
    ws.send(JSON.stringify(i % 2 ? ['COUNT', sub, { kinds: [1] }] : ['REQ', sub, { authors: [authors[i % authors.length]], limit: 50 }]));
    counters.reqs++;
    if (i % 2 === 0) ws.send(JSON.stringify(['CLOSE', sub]));
    await sleep(100);
  }
  ws.close();
}

/** Reads RSS and event-loop lag of the relay process from its Prometheus endpoint. */
async function sample(httpUrl: string, t0: number): Promise<Sample> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    t: Math.round((Date.now() - t0) / 1000),
    rssMiB: metric('process_resident_memory_bytes') / 1024 / 1024,
    lagMs: metric('nodejs_eventloop_lag_p99_seconds') * 1000,
    events: counters.acked,
    conns: metric('nostr_relay_connections_active'),
  };
}

/** Least-squares slope of RSS over time, in MiB per minute. */
function slopePerMinute(samples: Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, x) => s + x.t, 0) / n;
  const my = samples.reduce((s, x) => s + x.rssMiB, 0) / n;
  const num = samples.reduce((s, x) => s + (x.t - mx) * (x.rssMiB - my), 0);
  const den = samples.reduce((s, x) => s + (x.t - mx) ** 2, 0);
  return (num / den) * 60;
}

async function main(): Promise<void> {
  const relay = await startRelayProcess({ config: { auth: { required: false }, logging: { level: 'info' }, limits: { ping_interval_seconds: 30 } } });
  const keys = Array.from({ length: 20 }, () => generateSecretKey());
  const authors = keys.map((k) => getPublicKey(k));
  const t0 = Date.now();
  console.log(`soak: ${minutes} min against ${relay.url} (pid ${relay.pid}); samples every ${SAMPLE_MS / 1000} s`);
  const work = [
    ...Array.from({ length: 4 }, (_, i) => publisher(relay.url, keys.slice(i * 5, i * 5 + 5), authors)),
    ...Array.from({ length: 8 }, () => subscriber(relay.url, authors)),
    ...Array.from({ length: 2 }, () => reader(relay.url, authors)),
  ].map((p) => p.catch(() => void counters.errors++));
  const samples: Sample[] = [];
  while (Date.now() - t0 < minutes * 60_000) {
    await sleep(SAMPLE_MS);
    const s = await sample(relay.httpUrl, t0);
    samples.push(s);
    console.log(
      `t=${String(s.t).padStart(4)}s rss=${s.rssMiB.toFixed(1)} MiB lag_p99=${s.lagMs.toFixed(1)} ms conns=${s.conns} ` +
        `published=${counters.published} ok=${counters.acked} live=${counters.received} reqs=${counters.reqs} reconnects=${counters.reconnects}`,
    );
  }
  running = false;
  await Promise.all(work);
  await relay.stop('SIGTERM');
  // The first minute is warm-up (JIT, SQLite page cache, pools); the trend is taken after it.
  const steady = samples.filter((s) => s.t >= 60);
  const slope = slopePerMinute(steady.length >= 2 ? steady : samples);
  const rss = samples.map((s) => s.rssMiB);
  const lags = samples.map((s) => s.lagMs);
  console.log(
    `trend: rss ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MiB, slope after warm-up ${slope.toFixed(2)} MiB/min; ` +
      `lag p99 max ${Math.max(...lags).toFixed(1)} ms; ${counters.acked} events acknowledged, ${counters.errors} client errors`,
  );
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
