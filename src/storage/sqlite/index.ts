import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Storage } from '../types.js';
import { WalCheckpointer } from './checkpointer.js';
import { SqliteEventStore } from './event-store.js';
import { GroupCommit } from './group-commit.js';
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
  /** Told when the WAL checkpoint worker fails (the connection then checkpoints on its own again). */
  onCheckpointFailure?: (why: string) => void;
  /**
   * Run WAL checkpoints in a worker thread (WalCheckpointer) for a file-backed database. Default true;
   * false leaves them to the connection, as SQLite does by default (test relays: the worker costs
   * about a second to start under tsx, and their few writes never fill the WAL).
   */
  checkpointWorker?: boolean;
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
 * Batching: the `saveBatch` calls and kv writes of one event-loop turn run in one IMMEDIATE
 * transaction (one WAL commit, and with FULL one fsync; see GroupCommit); each event runs in its
 * own savepoint so a failing one is reported as `error` without failing the rest.
 *
 * Checkpoints (copying the WAL into the database file and fsyncing it) run in a worker thread
 * for file-backed databases (see WalCheckpointer), not inside the commits on the event loop.
 *
 * The driver is synchronous: calls run on the event loop. Queries read in pages and yield between
 * them (and honour `signal`), so a long scan does not starve other connections.
 */
export async function openSqliteStorage(opts: SqliteStorageOptions): Promise<Storage> {
  if (isFileBacked(opts.path)) mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  let checkpointer: WalCheckpointer | undefined;
  try {
    applySchema(db, { synchronous: opts.synchronous ?? 'NORMAL' });
    if (isFileBacked(opts.path) && opts.checkpointWorker !== false) {
      checkpointer = await WalCheckpointer.start(db, opts.path, { onFailure: opts.onCheckpointFailure });
    }
  } catch (err) {
    db.close();
    throw err;
  }
  // Event batches and kv writes queued in the same event-loop turn share one commit.
  const writes = new GroupCommit(db);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= closeOnce());
  const closeOnce = async (): Promise<void> => {
    await checkpointer?.stop();
    // Lets SQLite refresh the planner statistics it found worth refreshing during this session.
    db.pragma('optimize');
    db.close();
  };
  return {
    backend: 'sqlite',
    events: new SqliteEventStore(db, close, writes),
    kv: new SqliteKeyValueStore(db, writes),
    close,
  };
}
