// Benchmark: expensive queries (issue 14, item 7) — on a store of N events (default 300,000), two members send
// REQs of 20 filters × 200 real group ids (an unused kind, or no kind) back to back while a third member's
// REQ→EOSE latency is sampled every 50 ms. Prints the bystander's p50/p99/max with and without the hostile load,
// how the hostile REQs ended (EOSE, or CLOSED "error: query too expensive" past limits.query_max_rows_examined /
// query_statement_max_ms), and the ingest rate of 4 publishers without and with the hostile load (issue 15's
// target: it drops by less than 20%). The relay runs on a copy of the cached store, so the cache stays as built.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { NostrEvent } from '../src/nostr/event.js';
import { ingestEvents, ingestLoad } from './ingest.js';
import { BenchClient } from './lib/client.js';
import { groupId } from './lib/events.js';
import { queryReaders, queryStore, QUERY_GROUPS } from './query-store.js';
import { coreSchema } from '../src/config/schema.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity, type BenchIdentity } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';

const PROBE_MS = 50;
/** Publishers of the ingest measured beside the hostile load, and events each phase publishes. */
const PUBLISHERS = 4;
const INGEST_EVENTS = 6000;
const INGEST_WINDOW = 100;
/** Alternating quiet and loaded ingest phases, each; the medians are compared. */
const ROUNDS = 3;

/** Events per second of one ingest phase over fresh connections. */
async function ingestRate(url: string, who: BenchIdentity[], events: NostrEvent[]): Promise<number> {
  const clients = await Promise.all(who.map((w) => BenchClient.openAs(url, w)));
  const load = await ingestLoad(clients, events, INGEST_WINDOW);
  for (const c of clients) c.close();
  if (load.refused > 0) process.stderr.write(`hostile-queries: ingest refused ${load.refused}, first: ${load.firstRefusal}\n`);
  return load.accepted / load.seconds;
}

async function probe(client: BenchClient, author: string, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < until) {
    const sub = `p${n++}`;
    const t0 = performance.now();
    await client.req(sub, { kinds: [1], authors: [author], limit: 10 });
    latencies.push(performance.now() - t0);
    client.closeSub(sub);
    await new Promise((r) => setTimeout(r, PROBE_MS));
  }
  return latencies;
}

/** One hostile member: REQ after REQ (each waits for its EOSE or CLOSED), counting how each ended, until `stop()`. */
function hostileLoop(ws: WebSocket, filters: object[], stop: () => boolean, tally: Record<string, number>): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const next = () => {
      if (!stop()) return void ws.send(JSON.stringify(['REQ', `h${n++}`, ...filters]));
      ws.off('message', onMessage);
      resolve();
    };
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as unknown[];
      if (msg[0] === 'EOSE') {
        tally.eose = (tally.eose ?? 0) + 1;
        ws.send(JSON.stringify(['CLOSE', msg[1]]));
        next();
      } else if (msg[0] === 'CLOSED') {
        const why = String(msg[2]).split(':')[0] + (String(msg[2]).includes('too expensive') ? ': too expensive' : '');
        tally[why] = (tally[why] ?? 0) + 1;
        next();
      }
    };
    ws.on('message', onMessage);
    next();
  });
}

/** The hostile members' loops, running until the returned function is called (which resolves when they have stopped). */
function startHostile(hostile: BenchClient[], shapes: object[][], tally: Record<string, number>): () => Promise<void> {
  let stopped = false;
  const loops = hostile.map((c, i) => hostileLoop(c.ws, shapes[i]!, () => stopped, tally));
  return async () => {
    stopped = true;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 30_000))]);
  };
}

const median = (xs: number[]): number => quantile(xs, 0.5);

/** `npm run bench -- hostile-queries [events in the store]` (default 300,000; built once and cached). */
export async function runHostileQueries(n: number, seconds = 10): Promise<Row[]> {
  const cached = await queryStore(n);
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-hostile-'));
  const path = join(dir, 'relay.db');
  copyFileSync(cached, path);
  const readers = queryReaders();
  const publishers = Array.from({ length: PUBLISHERS }, (_, i) => benchIdentity(`hostile-ingest-${i}`));
  // Quiet and loaded ingest alternate, ROUNDS of each on fresh events: one pair moved by ±30% between runs here.
  const phases = Array.from({ length: 2 * ROUNDS }, () => ingestEvents(INGEST_EVENTS, publishers));
  const allowlist = [...readers, ...publishers].map((r) => r.pubkey);
  // The members' query allowance as configured (the relay's default unless BENCH_QUERY_ROWS_PER_MINUTE says; 0: off);
  // every other rate limit is off, so the publishers' ingest is not limited.
  const rowsPerMinute = Number(process.env.BENCH_QUERY_ROWS_PER_MINUTE ?? coreSchema.rate_limits.query_rows_per_minute.default);
  const relay = await startRelayProcess({ dbPath: path, config: { auth: { required: true, allowlist }, rate_limits: { query_rows_per_minute: rowsPerMinute } } });
  const rows: Row[] = [];
  try {
    const bystander = await BenchClient.openAs(relay.url, readers[0]!);
    const quiet = await probe(bystander, readers[1]!.pubkey, 3);
    rows.push({ bench: 'hostile-queries', what: `bystander REQ→EOSE without hostile load, p50 / p99 (${int(n)} events)`, result: `${ms(quantile(quiet, 0.5))} / ${ms(quantile(quiet, 0.99))} ms` });
    const real = Array.from({ length: 200 }, (_, i) => groupId(i % QUERY_GROUPS));
    const shapes = [
      Array.from({ length: 20 }, (_, f) => ({ '#h': real, kinds: [40000 + f] })),
      Array.from({ length: 20 }, (_, f) => ({ '#h': real, until: Math.floor(Date.now() / 1000) - f })),
    ];
    const hostile = await Promise.all([readers[2]!, readers[3]!].map((r) => BenchClient.openAs(relay.url, r)));
    const tally: Record<string, number> = {};
    const quietRates: number[] = [];
    const loadedRates: number[] = [];
    let loaded: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      quietRates.push(await ingestRate(relay.url, publishers, phases[2 * round]!));
      const stop = startHostile(hostile, shapes, tally);
      if (round === 0) loaded = await probe(bystander, readers[1]!.pubkey, seconds);
      loadedRates.push(await ingestRate(relay.url, publishers, phases[2 * round + 1]!));
      await stop();
    }
    const [quietRate, loadedRate] = [median(quietRates), median(loadedRates)];
    rows.push(
      { bench: 'hostile-queries', what: `bystander REQ→EOSE while 2 members send 20×200-value REQs, p50 / p99 / max (${loaded.length} probes)`, result: `${ms(quantile(loaded, 0.5))} / ${ms(quantile(loaded, 0.99))} / ${ms(Math.max(...loaded))} ms`, target: 'p99 < 100 ms' },
      { bench: 'hostile-queries', what: 'query allowance per member (rate_limits.query_rows_per_minute; BENCH_QUERY_ROWS_PER_MINUTE)', result: rowsPerMinute === 0 ? 'off' : `${int(rowsPerMinute)} rows/min` },
      { bench: 'hostile-queries', what: `hostile REQs during the probes and the ingest, by outcome`, result: Object.entries(tally).map(([k, v]) => `${k} ${int(v)}`).join(', ') },
      {
        bench: 'hostile-queries',
        what: `ingest, ${PUBLISHERS} publishers × ${INGEST_WINDOW} in flight, ${int(INGEST_EVENTS)} mixed events, median of ${ROUNDS} alternating rounds: without / with the hostile load (each round's rates)`,
        result: `${int(quietRate)} / ${int(loadedRate)} events/s (${(100 * (1 - loadedRate / quietRate)).toFixed(0)}% lower; ${quietRates.map(int).join(', ')} / ${loadedRates.map(int).join(', ')})`,
        target: 'drop < 20%',
      },
    );
    for (const c of [bystander, ...hostile]) c.close();
    return rows;
  } finally {
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
