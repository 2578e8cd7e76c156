import type Database from 'better-sqlite3';
import type { Storage } from '../types.js';
import { WalCheckpointer } from './checkpointer.js';
import { SqliteEventStore, type EventEngine } from './event-store.js';
import { GroupCommit } from './group-commit.js';
import { SplitEngine, type EventReads, type EventWrites } from './engine.js';
import { InProcessReads, InProcessWrites } from './in-process.js';
import { ReaderPool } from './reader-pool.js';
import { ThreadWrites } from './thread-writes.js';
import { WriteLane } from './write-lane.js';
import { WriterThread } from './writer-thread.js';
import { SqliteKeyValueStore } from './kv-store.js';
import { isFileBacked, openDatabase } from './open-database.js';
import { PrimaryWriter } from './primary-writer.js';
import { watchClusterFeed } from './cluster-feed.js';
import { PrimaryTurns } from './write-turns.js';
import type { PrimaryPort } from './cluster-protocol.js';

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
  /** Reader threads for REQ/COUNT (database files only). Default 2. */
  readers?: number;
  /** The reader threads' nice value: above 0 they yield the CPU to the event loop (Linux). Default 0. */
  readerNice?: number;
  /** Told when the WAL checkpoint worker fails (the connection then checkpoints on its own again). */
  onCheckpointFailure?: (why: string) => void;
  /**
   * Run WAL checkpoints in a worker thread (WalCheckpointer) for a file-backed database. Default true;
   * false leaves them to the connection, as SQLite does by default (test relays: the worker costs
   * about a second to start under tsx, and their few writes never fill the WAL).
   */
  checkpointWorker?: boolean;
  /** How often the checkpoint worker runs, in ms. Default 250 (WalCheckpointer). */
  checkpointIntervalMs?: number;
  /**
   * REQ/COUNT on reader threads (database files). Default true; false runs every event read and
   * write on the relay's connection (test relays: threads cost seconds to start under tsx; the
   * threaded paths have their own tests).
   */
  threads?: boolean;
  /**
   * Event writes on a writer thread of their own (database files, with `threads`). Default false:
   * they commit on the relay's connection, which on two cores is cheaper than handing every batch
   * and its outcomes across threads (README Performance); a spare core makes the thread pay.
   */
  writerThread?: boolean;
  /**
   * A cluster worker's channel to the primary (README "Operations"): event writes go to the primary,
   * which owns the file's one writer and its checkpoints (primary-writes.ts), whatever `writerThread`
   * says; reads run as `threads` says; `watchRemote` delivers the other workers' commits. The kv store
   * keeps this process's connection (see below). Database files only.
   */
  primary?: PrimaryPort;
};

/** Reader threads by default: this many expensive REQs can run at once without delaying each other's pages. */
const DEFAULT_READERS = 2;

/**
 * Opens the embedded SQLite backend (better-sqlite3): events and kv documents in one database file.
 *
 * Threads (strfry's layout): for a database file, REQ/COUNT reads run on a pool of reader threads
 * with read-only connections (reader-pool.ts), so no query, however expensive, runs on the relay's
 * event loop. Event writes commit on the relay's connection by default, or on one writer thread
 * (writer-thread.ts, `writerThread`), which pays only with a spare core: on two cores the handoff
 * of batches and outcomes costs more CPU than the commit it moves (README Performance).
 * The kv store stays on the relay's own connection: its `update(fn)` runs a caller's closure inside
 * the transaction, and a closure cannot cross to another thread (declaring every gateway and admin
 * update as data would be a larger interface change). Kv writes are group-committed per event-loop
 * turn and take turns with event batches on one WriteLane, so neither waits for SQLite's write lock.
 * An in-memory database (tests) cannot be shared by threads: there everything runs on one connection.
 *
 * Durability: WAL mode with synchronous=NORMAL (default). A commit is in the WAL (the OS has it)
 * before `saveBatch` resolves, so every event answered `saved` survives a crash or kill of the
 * process. The WAL is fsynced only at checkpoints, so a power loss or kernel crash can lose the last
 * committed batches (the database stays consistent, it rolls back to an earlier commit). Pass
 * `synchronous: 'FULL'` when `OK true` must also survive power loss: one fsync per commit.
 *
 * Batching: one `saveBatch` call is one IMMEDIATE transaction (the relay's Writer already groups the
 * events of a tick); each event runs in its own savepoint so a failing one is reported as `error`
 * without failing the rest.
 *
 * Checkpoints (copying the WAL into the database file and fsyncing it) run in a worker thread
 * for file-backed databases (see WalCheckpointer), not inside the commits.
 */
export async function openSqliteStorage(opts: SqliteStorageOptions): Promise<Storage> {
  if (opts.primary) return openClusterWorkerStorage(opts, opts.primary);
  const synchronous = opts.synchronous ?? 'NORMAL';
  const db = openDatabase(opts.path, synchronous);
  let checkpointer: WalCheckpointer | undefined;
  let engine: EventEngine;
  const lane = new WriteLane();
  try {
    if (isFileBacked(opts.path) && opts.checkpointWorker !== false) {
      checkpointer = await WalCheckpointer.start(db, opts.path, { intervalMs: opts.checkpointIntervalMs, onFailure: opts.onCheckpointFailure });
    }
    const reads = await openReads(db, opts);
    let writes: EventWrites;
    try {
      writes = readerThreads(opts) && opts.writerThread === true ? new ThreadWrites(await WriterThread.start({ path: opts.path, synchronous }), lane) : new InProcessWrites(db);
    } catch (err) {
      await reads.close();
      throw err;
    }
    engine = new SplitEngine(reads, writes);
  } catch (err) {
    await checkpointer?.stop();
    db.close();
    throw err;
  }
  return assemble(db, engine, lane, async () => checkpointer?.stop());
}

/**
 * A cluster worker's storage: reads on its reader threads (or its connection), event writes to the primary. Its own
 * connection serves the duplicate check and the kv store, whose writes take SQLite's write lock from
 * this process: busy_timeout (schema.ts) makes them wait for the primary's transaction in progress
 * (a batch commits in milliseconds) instead of failing with SQLITE_BUSY; the wait holds this worker's
 * event loop, which is why event writes, the bulk, do not take that path.
 */
async function openClusterWorkerStorage(opts: SqliteStorageOptions, primary: NonNullable<SqliteStorageOptions['primary']>): Promise<Storage> {
  if (!isFileBacked(opts.path)) throw new Error('a cluster of relay workers needs a SQLite database file, not an in-memory database');
  const db = openDatabase(opts.path, opts.synchronous ?? 'NORMAL');
  // The primary's checkpointer copies the WAL; a kv commit here never runs a checkpoint on this event loop.
  db.pragma('wal_autocheckpoint = 0');
  const lane = new WriteLane();
  let reads: EventReads;
  try {
    reads = await openReads(db, opts);
  } catch (err) {
    db.close();
    throw err;
  }
  // Event batches go to the primary in order; kv commits here wait for the primary's turn (write-turns.ts).
  const turns = new PrimaryTurns(primary);
  const storage = assemble(db, new SplitEngine(reads, new ThreadWrites(new PrimaryWriter(primary), lane)), turns, async () => turns.close());
  return { ...storage, watchRemote: (onEvent, watch) => watchClusterFeed(primary, onEvent, watch?.isWanted) };
}

/** Reader threads for a database file unless `threads` is false; in-memory databases read on the connection. */
function readerThreads(opts: SqliteStorageOptions): boolean {
  return isFileBacked(opts.path) && opts.threads !== false;
}

/** The read side of the engine (see readerThreads). */
async function openReads(db: Database.Database, opts: SqliteStorageOptions): Promise<EventReads> {
  if (!readerThreads(opts)) return new InProcessReads(db);
  return ReaderPool.start({ path: opts.path, nice: opts.readerNice ?? 0 }, opts.readers ?? DEFAULT_READERS);
}

/**
 * The Storage over an open database and its event engine, the kv writes queued on `kvLane`; close()
 * stops the engine, waits for the kv writes, then stops what `stop` names (the checkpointer) and closes the connection.
 */
function assemble(db: Database.Database, engine: EventEngine, kvLane: Pick<WriteLane, 'run' | 'idle'>, stop?: () => Promise<void>): Storage {
  const kvWrites = new GroupCommit(db, kvLane);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= closeOnce());
  const closeOnce = async (): Promise<void> => {
    await engine.close();
    await kvLane.idle();
    await stop?.();
    db.close();
  };
  return {
    backend: 'sqlite',
    events: new SqliteEventStore(db, engine, close),
    kv: new SqliteKeyValueStore(db, kvWrites),
    close,
  };
}
