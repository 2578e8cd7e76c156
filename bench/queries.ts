// Benchmark 4: queries — REQ→EOSE latency for the typical filters (authors+kinds, #h group, #p recipient, ids)
// against a relay process serving the cached store of `n` events (bench/query-store.ts).
import { BenchClient } from './lib/client.js';
import { groupId } from './lib/events.js';
import { startRelayProcess, type RelayProcessOptions } from './lib/relay-process.js';
import { int, ms, quantile, type Row } from './lib/stats.js';
import { QUERY_GROUPS, queryReaders, queryStore, sampleIds } from './query-store.js';

/** REQs per filter shape. */
const ROUNDS = 300;
/** Connections, each authenticated as one reader (1059 are readable by their recipient only). */
const CLIENTS = 10;

type Shape = { name: string; filter: (i: number) => object; client: (i: number) => number };

/** The measured shapes; `i` picks the parameter so consecutive REQs touch different parts of the store. */
function shapes(ids: string[]): Shape[] {
  const readers = queryReaders();
  return [
    { name: 'authors+kinds (kind 1 of one author, limit 50)', filter: (i) => ({ authors: [readers[i % readers.length]!.pubkey], kinds: [1], limit: 50 }), client: () => 0 },
    // The MLS lookup before inviting someone; its authors here have 10,000 notes and no KeyPackage, so a plan that
    // walks the author's history instead of seeking (pubkey, kind) shows (it did with sampled planner statistics).
    { name: 'KeyPackages of a prolific author (443/30443, limit 10)', filter: (i) => ({ authors: [readers[i % readers.length]!.pubkey], kinds: [443, 30443], limit: 10 }), client: () => 0 },
    // A profile feed: every kind of one author. The only author index is (pubkey, kind, created_at), so the store
    // finds the author's kinds first and seeks each; a plan that sorted the author's history would show here.
    { name: 'authors alone (one prolific author, limit 50)', filter: (i) => ({ authors: [readers[(i + 3) % readers.length]!.pubkey], limit: 50 }), client: () => 0 },
    { name: '#h group (kind 445, limit 100)', filter: (i) => ({ kinds: [445], '#h': [groupId((i * 37) % QUERY_GROUPS)], limit: 100 }), client: () => 0 },
    { name: '#p recipient (kind 1059, limit 100)', filter: (i) => ({ kinds: [1059], '#p': [readers[i % CLIENTS]!.pubkey], limit: 100 }), client: (i) => i % CLIENTS },
    { name: 'ids (20 ids)', filter: (i) => ({ ids: Array.from({ length: 20 }, (_, j) => ids[(i * 20 + j) % ids.length]!) }), client: () => 0 },
  ];
}

/** Measures every shape over `clients`; returns rows of p50/p99 and the events returned per REQ. */
export async function measureQueries(clients: BenchClient[], ids: string[], label: string, rounds = ROUNDS): Promise<Row[]> {
  const rows: Row[] = [];
  for (const shape of shapes(ids)) {
    const latencies: number[] = [];
    let returned = 0;
    for (let i = -20; i < rounds; i++) {
      const client = clients[shape.client(Math.abs(i))]!;
      let got = 0;
      client.onEvent = () => got++;
      const t0 = performance.now();
      await client.req(`q${i}`, shape.filter(Math.abs(i)));
      const dt = performance.now() - t0;
      client.closeSub(`q${i}`);
      if (i < 0) continue; // warm-up rounds
      latencies.push(dt);
      returned += got;
    }
    rows.push({
      bench: 'queries',
      what: `${label}: ${shape.name}, ${(returned / rounds).toFixed(0)} events/REQ`,
      result: `p50 ${ms(quantile(latencies, 0.5))} / p99 ${ms(quantile(latencies, 0.99))} ms`,
      target: label.startsWith('sqlite') ? 'p50 < 5 ms, p99 < 25 ms' : undefined,
    });
  }
  return rows;
}

/** Opens the reader connections to a relay. */
export async function readerClients(url: string): Promise<BenchClient[]> {
  const readers = queryReaders();
  return Promise.all(Array.from({ length: CLIENTS }, (_, i) => BenchClient.openAs(url, readers[i]!)));
}

/** `npm run bench -- queries [events in the store]` (default 1,000,000; built once and cached). */
export async function runQueries(n: number): Promise<Row[]> {
  const path = await queryStore(n);
  const ids = sampleIds(path, 2000);
  const opts: RelayProcessOptions = { dbPath: path, config: { auth: { required: true, allowlist: queryReaders().map((r) => r.pubkey) } } };
  const relay = await startRelayProcess(opts);
  try {
    const clients = await readerClients(relay.url);
    const rows = await measureQueries(clients, ids, `sqlite, ${int(n)} events`);
    for (const c of clients) c.close();
    return rows;
  } finally {
    await relay.stop();
  }
}
