// The benchmark runner (issue 7): `npm run bench` runs every benchmark; `npm run bench -- <name> [size]` runs one.
// Each starts its own relay process and prints figures; nothing here asserts a timing.
import { availableParallelism, cpus } from 'node:os';
import { runVerify } from './ceiling.js';
import { runFanout } from './fanout.js';
import { runIngest } from './ingest.js';
import { runConnections } from './connections.js';
import { runQueries } from './queries.js';
import { runFirestore } from './firestore.js';
import { runFirestoreScale } from './firestore-scale.js';
import { runPreauthFlood } from './preauth-flood.js';
import { runHostileQueries } from './hostile-queries.js';
import { runPeers } from './peers.js';
import { runWalFrames } from './wal-frames.js';
import { runFrameParse } from './frame-parse.js';
import { signerName } from './lib/sign.js';
import { machineLoad, printTable, type Row } from './lib/stats.js';

type Bench = { run: (size: number) => Promise<Row[]>; defaultSize: number; what: string };

const BENCHES: Record<string, Bench> = {
  verify: { run: runVerify, defaultSize: 20_000, what: 'verify ceiling (events)' },
  ingest: { run: runIngest, defaultSize: 20_000, what: 'ingest (events)' },
  fanout: { run: runFanout, defaultSize: 100, what: 'fanout (events per subscriber count)' },
  queries: { run: runQueries, defaultSize: 1_000_000, what: 'queries (events in the store)' },
  connections: { run: runConnections, defaultSize: 10_000, what: 'connections (idle connections)' },
  firestore: { run: runFirestore, defaultSize: 1_000, what: 'firestore emulator: ingest and queries (events)' },
  'firestore-scale': { run: runFirestoreScale, defaultSize: 30, what: 'firestore emulator: 4 instances, busy and quiet groups, wraps, KeyPackages (seconds)' },
  'preauth-flood': { run: runPreauthFlood, defaultSize: 10, what: 'hostile pre-auth frames (seconds)' },
  'hostile-queries': { run: (n) => runHostileQueries(n), defaultSize: 300_000, what: 'expensive REQs beside a bystander (events in the store)' },
  peers: { run: runPeers, defaultSize: 20_000, what: 'mls-relay and strfry, same ingest and fanout loads (events)' },
  'wal-frames': { run: runWalFrames, defaultSize: 5_000, what: 'SQLite page writes per stored event, by batch size and index (events)' },
  'frame-parse': { run: runFrameParse, defaultSize: 500, what: 'reading one large REQ frame on the event loop (rounds)' },
};

async function main(): Promise<void> {
  const [name, sizeArg] = process.argv.slice(2);
  const chosen = name && name !== 'all' ? [name] : Object.keys(BENCHES);
  for (const n of chosen) if (!BENCHES[n]) throw new Error(`unknown benchmark ${n}; one of: ${Object.keys(BENCHES).join(', ')}`);
  const size = sizeArg === undefined ? undefined : Number(sizeArg);
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1)) throw new Error(`size must be a positive integer, got ${sizeArg}`);
  console.log(`# mls-relay benchmarks — ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, node ${process.version}, load generator signs with ${signerName}`);
  const rows: Row[] = [];
  for (const n of chosen) {
    const bench = BENCHES[n]!;
    const before = await machineLoad();
    process.stderr.write(`running ${n} (${bench.what}: ${size ?? bench.defaultSize}), load average ${before}\n`);
    const got = await bench.run(size ?? bench.defaultSize);
    rows.push(...got, { bench: n, what: 'load average before (1/5/15 min)', result: before });
  }
  console.log('');
  printTable(rows);
}

await main();
