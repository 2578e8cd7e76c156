// Builds (once, then cached) the SQLite store the query benchmark reads: `n` pre-signed events written through
// the real store API (openSqliteStorage + saveBatch), deterministic so the cache matches the identities.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { VerifiedEvent } from '../src/nostr/event.js';
import { openSqliteStorage } from '../src/storage/sqlite/index.js';
import { b64, groupId } from './lib/events.js';
import { benchIdentity, signEvent, type BenchIdentity } from './lib/sign.js';

/** Groups (kind 445 `h`), readers (also kind 1 authors and 1059 recipients) of the query store. */
export const QUERY_GROUPS = 1000;
export const QUERY_READERS = 100;

/** The reader identities, allowlisted by the query benchmark. */
export function queryReaders(): BenchIdentity[] {
  return Array.from({ length: QUERY_READERS }, (_, i) => benchIdentity(`query-reader-${i}`));
}

const ephemeral = Array.from({ length: 256 }, (_, i) => benchIdentity(`query-ephemeral-${i}`));
const SPAN_SECONDS = 30 * 86400;

/** Event `i` of the store: 60% 445 over QUERY_GROUPS groups, 20% 1059 to readers, 20% kind 1 by readers; over 30 days. */
export function storeEvent(i: number, n: number, readers: BenchIdentity[], base: number): VerifiedEvent {
  const created_at = base + Math.floor((i * SPAN_SECONDS) / n);
  const slot = i % 10;
  const ev =
    slot < 6
      ? signEvent(ephemeral[i % ephemeral.length]!, { kind: 445, created_at, tags: [['h', groupId(i % QUERY_GROUPS)]], content: b64(300) })
      : slot < 8
        ? signEvent(ephemeral[(i >> 3) % ephemeral.length]!, { kind: 1059, created_at, tags: [['p', readers[i % readers.length]!.pubkey]], content: b64(900) })
        : signEvent(readers[i % readers.length]!, { kind: 1, created_at, tags: [], content: `note ${i}` });
  return ev as VerifiedEvent;
}

/** Path of the cached store of `n` events, building it first when missing (progress on stderr). */
export async function queryStore(n: number): Promise<string> {
  const dir = process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'mls-relay-bench-cache');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `queries-${n}.db`);
  if (existsSync(path)) return path;
  const building = `${path}.building`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  const storage = await openSqliteStorage({ path: building });
  const readers = queryReaders();
  // Created_at ends an hour ago so that every event is inside the relay's accepted window.
  const base = Math.floor(Date.now() / 1000) - SPAN_SECONDS - 3600;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({ event: storeEvent(i + j, n, readers, base) }));
    const results = await storage.events.saveBatch(batch);
    if (results.some((r) => r.status !== 'saved')) throw new Error('query store: a save failed');
    if ((i / 5000) % 20 === 0) process.stderr.write(`  query store: ${i + batch.length}/${n} events, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  await storage.close();
  // Fold the WAL into the main file so the cached copy is one self-contained file.
  const db = new Database(building);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(building, path);
  return path;
}

/** Up to `n` ids of kind 445 events of the store, spread over it (for the `ids` filter). */
export function sampleIds(path: string, n: number): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id FROM events WHERE kind = 445 AND seq % 97 = 0 LIMIT ?').pluck().all(n) as string[];
  } finally {
    db.close();
  }
}
