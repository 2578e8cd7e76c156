import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Storage } from '../types.js';
import { SqliteEventStore } from './event-store.js';
import { SqliteKeyValueStore } from './kv-store.js';
import { applySchema } from './schema.js';

export { SqliteEventStore } from './event-store.js';
export { SqliteKeyValueStore } from './kv-store.js';

/** Options of openSqliteStorage. */
export type SqliteStorageOptions = {
  /** Database file; its parent directory is created. ":memory:" gives a private in-memory database (tests). */
  path: string;
  /**
   * `NORMAL` (default) survives a crash of the process; `FULL` also fsyncs the WAL at every
   * commit, so a committed batch survives power loss too, at the cost of one fsync per batch.
   */
  synchronous?: 'NORMAL' | 'FULL';
};

function isFileBacked(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/**
 * Opens the embedded SQLite backend (better-sqlite3): events and kv documents in one database file.
 *
 * Durability: the database runs in WAL mode with synchronous=NORMAL. A commit is written to the
 * WAL before `saveBatch` resolves, so every event answered `saved` survives a crash or kill of
 * the process. The WAL is fsynced only at checkpoints, so a power loss or kernel crash can lose
 * the last committed batches (the database stays consistent, it just rolls back to an earlier
 * commit). Pass `synchronous: 'FULL'` when `OK true` must also survive power loss.
 *
 * Batching: each `saveBatch` call is one IMMEDIATE transaction (one WAL commit, and with FULL one
 * fsync) whatever its size; each item runs in its own savepoint so a failing item is reported as
 * `error` without failing the rest. The relay's writer groups the events of a tick into one call.
 *
 * The driver is synchronous: calls run on the event loop. Queries read in pages and yield between
 * them (and honour `signal`), so a long scan does not starve other connections.
 */
export async function openSqliteStorage(opts: SqliteStorageOptions): Promise<Storage> {
  if (isFileBacked(opts.path)) mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  try {
    applySchema(db, { synchronous: opts.synchronous ?? 'NORMAL' });
  } catch (err) {
    db.close();
    throw err;
  }
  const close = async (): Promise<void> => {
    if (!db.open) return;
    // Lets SQLite refresh the planner statistics it found worth refreshing during this session.
    db.pragma('optimize');
    db.close();
  };
  return {
    backend: 'sqlite',
    events: new SqliteEventStore(db, close),
    kv: new SqliteKeyValueStore(db),
    close,
  };
}
