// Benchmark 6: the ingest and query runs with storage.backend = "firestore", on the Firestore emulator
// (started here unless FIRESTORE_EMULATOR_HOST is set). The emulator is one local Java process, not Firestore:
// its speed says little about production, so the Firestore RPCs per event are reported too.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifiedEvent } from '../src/nostr/event.js';
import { openFirestoreStorage } from '../src/storage/firestore/open.js';
import { findJar, freePort, startEmulator, stopEmulator } from '../test/setup/firestore-emulator.js';
import { ingestEvents, ingestRun } from './ingest.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity } from './lib/sign.js';
import { int, type Row } from './lib/stats.js';
import { measureQueries, readerClients } from './queries.js';
import { queryReaders, storeEvent } from './query-store.js';

const CONNS = 16;

/** The emulator to use: FIRESTORE_EMULATOR_HOST, else one started here (stop `child` afterwards). */
export async function emulator(): Promise<{ host: string; child?: ChildProcess }> {
  if (process.env.FIRESTORE_EMULATOR_HOST) return { host: process.env.FIRESTORE_EMULATOR_HOST };
  const jar = findJar();
  if (!jar) throw new Error('no Firestore emulator: set FIRESTORE_EMULATOR_HOST or FIRESTORE_EMULATOR_JAR');
  const port = await freePort();
  return { host: `127.0.0.1:${port}`, child: await startEmulator(jar, port) };
}

/** Fills a fresh Firestore project with `n` query-store events through the store API. */
async function fillStore(host: string, projectId: string, n: number): Promise<void> {
  const storage = await openFirestoreStorage({ projectId, databaseId: '(default)', collectionPrefix: '', emulatorHost: host, timeoutMs: 120_000 });
  try {
    const readers = queryReaders();
    const base = Math.floor(Date.now() / 1000) - 30 * 86400 - 3600;
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ event: storeEvent(i + j, n, readers, base) as VerifiedEvent }));
      const results = await storage.events.saveBatch(batch);
      if (results.some((r) => r.status !== 'saved')) throw new Error('firestore fill: a save failed');
    }
  } finally {
    await storage.close();
  }
}

/** `npm run bench -- firestore [events]`: ingest of `events` and queries on a store of `events` events. */
export async function runFirestore(size: number): Promise<Row[]> {
  const { host, child } = await emulator();
  const rows: Row[] = [];
  try {
    const who = Array.from({ length: CONNS }, (_, i) => benchIdentity(`ingest-${i}`));
    const rpcFile = join(tmpdir(), `mls-relay-bench-rpcs-${process.pid}`);
    const projectId = `bench-ingest-${Date.now()}`;
    const r = await ingestRun(
      CONNS,
      ingestEvents(size, who),
      {
        config: { storage: { backend: 'firestore', firestore: { project_id: projectId } } },
        env: { FIRESTORE_EMULATOR_HOST: host, BENCH_RPC_COUNT_FILE: rpcFile },
        preload: ['bench/lib/rpc-counter.ts'],
      },
      who,
    );
    const rpcs = Number(readFileSync(rpcFile, 'utf8'));
    rmSync(rpcFile, { force: true });
    rows.push(
      { bench: 'firestore', what: `ingest on the emulator, ${CONNS} auth'd connections, ${int(size)} events (mix as sqlite)`, result: `${int(r.perSecond)} events/s` },
      { bench: 'firestore', what: 'ingest OK latency p50 / p99', result: `${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} ms` },
      {
        bench: 'firestore',
        what: `Firestore RPCs per accepted event, whole relay run incl. startup, allowlist and gateway state (${(r.accepted / Math.max(1, r.batches)).toFixed(1)} events per write batch)`,
        result: (rpcs / Math.max(1, r.accepted)).toFixed(2),
      },
    );
    const queryProject = `bench-query-${Date.now()}`;
    await fillStore(host, queryProject, size);
    const relay = await startRelayProcess({
      config: { storage: { backend: 'firestore', firestore: { project_id: queryProject } }, auth: { required: true, allowlist: queryReaders().map((q) => q.pubkey) } },
      env: { FIRESTORE_EMULATOR_HOST: host },
    });
    try {
      const clients = await readerClients(relay.url);
      const ids = (await storeIds(host, queryProject)).slice(0, 2000);
      rows.push(...(await measureQueries(clients, ids, `firestore emulator, ${int(size)} events`, 100)));
      for (const c of clients) c.close();
    } finally {
      await relay.stop();
    }
  } finally {
    if (child) await stopEmulator(child);
  }
  return rows;
}

/** Ids of kind 445 events in the project (for the ids filter), read back through the store API. */
async function storeIds(host: string, projectId: string): Promise<string[]> {
  const storage = await openFirestoreStorage({ projectId, databaseId: '(default)', collectionPrefix: '', emulatorHost: host, timeoutMs: 60_000 });
  try {
    return (await storage.events.query([{ kinds: [445], limit: 2000 }])).map((e) => e.id);
  } finally {
    await storage.close();
  }
}
