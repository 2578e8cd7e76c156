/**
 * Firestore event store on the emulator: round trips per saved event (batches of 1 and 100) and
 * events saved per second by one writer and by four concurrent writers.
 * Run: npx tsx bench/firestore-store.ts   (uses FIRESTORE_EMULATOR_HOST, else starts the emulator)
 * The emulator is a single Java process on this machine: figures compare designs, not production.
 */
import { setLogFunction } from '@google-cloud/firestore';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import type { ChildProcess } from 'node:child_process';
import type { VerifiedEvent } from '../src/nostr/event.js';
import { openFirestoreStorage } from '../src/storage/firestore/open.js';
import type { Storage } from '../src/storage/types.js';
import { findJar, startEmulatorOnFreePort, stopEmulator } from '../test/setup/firestore-emulator.js';

const sk = generateSecretKey();
const base = Math.floor(Date.now() / 1000) - 10_000;
let serial = 0;

/**
 * A realistic mix: mostly kind 445 group messages (with `h`), some 1059 wraps (with `p`); or, with
 * `addressable`, KeyPackages (kind 30443, one `d` slot each), which take the transactional path.
 */
function makeEvents(n: number, addressable = false): VerifiedEvent[] {
  return Array.from({ length: n }, () => {
    const i = serial++;
    const kind = addressable ? 30443 : i % 5 === 0 ? 1059 : 445;
    const tags = kind === 30443 ? [['d', `slot-${i}`]] : kind === 445 ? [['h', `group-${i % 20}`]] : [['p', 'b'.repeat(64)]];
    return finalizeEvent({ kind, tags, content: 'A'.repeat(600), created_at: base + i }, sk) as unknown as VerifiedEvent;
  });
}

async function emulatorHost(): Promise<{ host: string; child?: ChildProcess }> {
  const fromEnv = process.env.FIRESTORE_EMULATOR_HOST;
  if (fromEnv) return { host: fromEnv };
  const jar = findJar();
  if (!jar) throw new Error('no emulator: set FIRESTORE_EMULATOR_HOST or FIRESTORE_EMULATOR_JAR');
  const { child, port } = await startEmulatorOnFreePort(jar);
  return { host: `127.0.0.1:${port}`, child };
}

let rpcs = 0;
let counting = false;
// The driver logs one "Sending request" line per RPC (unary and streaming); count them.
setLogFunction((line) => {
  if (counting && line.includes('Sending request')) rpcs++;
});

async function roundTrips(storage: Storage, batchSize: number, batches: number, addressable = false): Promise<number> {
  const batchesOfEvents = Array.from({ length: batches }, () => makeEvents(batchSize, addressable));
  rpcs = 0;
  counting = true;
  for (const events of batchesOfEvents) {
    const results = await storage.events.saveBatch(events.map((event) => ({ event })));
    if (results.some((r) => r.status !== 'saved')) throw new Error('a save failed');
  }
  counting = false;
  return rpcs / (batchSize * batches);
}

async function throughput(storage: Storage, batchSize: number, total: number, writers: number, addressable = false): Promise<number> {
  const perWriter = Array.from({ length: writers }, () => {
    const events = makeEvents(total / writers, addressable);
    const batches: VerifiedEvent[][] = [];
    for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
    return batches;
  });
  const t0 = performance.now();
  await Promise.all(
    perWriter.map(async (batches) => {
      for (const batch of batches) {
        const results = await storage.events.saveBatch(batch.map((event) => ({ event })));
        if (results.some((r) => r.status !== 'saved')) throw new Error('a save failed');
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const { host, child } = await emulatorHost();
  const storage = await openFirestoreStorage({
    projectId: `bench-${Date.now()}`,
    databaseId: '(default)',
    collectionPrefix: '',
    emulatorHost: host,
    timeoutMs: 60_000,
  });
  try {
    await throughput(storage, 100, 200, 1); // warm up the JVM and the channel
    console.log(`round trips per saved event, batch of 1:   ${(await roundTrips(storage, 1, 50)).toFixed(2)}`);
    console.log(`round trips per saved event, batch of 100: ${(await roundTrips(storage, 100, 5)).toFixed(3)}`);
    console.log(`round trips per saved event, addressable, batch of 1:   ${(await roundTrips(storage, 1, 50, true)).toFixed(2)}`);
    console.log(`round trips per saved event, addressable, batch of 100: ${(await roundTrips(storage, 100, 5, true)).toFixed(3)}`);
    console.log(`events/s, 1 writer, batches of 1:    ${(await throughput(storage, 1, 300, 1)).toFixed(0)}`);
    console.log(`events/s, 1 writer, batches of 100:  ${(await throughput(storage, 100, 3000, 1)).toFixed(0)}`);
    console.log(`events/s, 4 writers, batches of 100: ${(await throughput(storage, 100, 4000, 4)).toFixed(0)}`);
    console.log(`events/s, addressable, 1 writer, batches of 100: ${(await throughput(storage, 100, 2000, 1, true)).toFixed(0)}`);
    const t0 = performance.now();
    const got = await storage.events.query([{ kinds: [445], tags: { h: ['group-3'] }, limit: 100 }]);
    console.log(`query #h + kind, limit 100: ${got.length} events in ${(performance.now() - t0).toFixed(0)} ms`);
  } finally {
    await storage.close();
    if (child) await stopEmulator(child);
  }
}

await main();
