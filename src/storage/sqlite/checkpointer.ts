import type { Database } from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker, stopWorker } from '../../runtime/module-worker.js';

/** What the checkpoint worker is started with. */
export type CheckpointWorkerData = { path: string; intervalMs: number };
/** What it reports. */
export type CheckpointWorkerMessage = { type: 'ready' } | { type: 'failed'; message: string };

/**
 * How often the worker checkpoints by default. Each checkpoint copies every page committed since the
 * last one once, however many commits rewrote it (index roots and inner pages, the table's last
 * leaf): at 250 ms the ingest bench spends ~100 µs less CPU per event than at 50 ms (474–510 vs
 * 613–614 µs; 1,000 ms no better). The WAL grows ~15 MiB between runs at 2,500 events/s, under
 * the backstop below.
 */
const DEFAULT_INTERVAL_MS = 250;
/** SQLite's own default: checkpoint when the WAL passes 1,000 pages. Used again when the worker stops. */
const AUTO_CHECKPOINT_PAGES = 1000;
/** While the worker runs, the relay's connection checkpoints only past this much WAL (in pages of the file's size). */
const BACKSTOP_CHECKPOINT_BYTES = 32 * 1024 * 1024;
/** After a checkpoint the WAL is rewritten from its start; past this size it is also truncated. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The backstop in pages of this file (8,192 at SQLite's default 4 KiB; a file made by another tool may differ). */
function backstopPages(db: Database): number {
  return BACKSTOP_CHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number);
}

/**
 * Moves WAL checkpoints off the event loop. SQLite runs a checkpoint inside whichever commit
 * pushes the WAL past 1,000 pages: it copies pages into the database file and fsyncs it, which
 * measured in-process at ~60% of the wall time of saving batches of 16 mixed events (146 → 61 µs
 * per event without it). Here a worker thread with its own connection runs a PASSIVE checkpoint
 * every `intervalMs` (`storage.sqlite.checkpoint_interval_ms`) and does that copying. The relay's
 * connection keeps a backstop at 32 MiB of WAL: by then the worker has copied nearly everything, so its checkpoint is short, and as no
 * commit can land while the writer itself checkpoints, it catches up and the WAL starts over (a PASSIVE checkpoint from another
 * thread may never catch up with a busy writer; measured: the WAL grew to 1.1 GB in 30,000 events
 * without the backstop). Durability is unchanged: commits still reach the WAL before `OK true`.
 * If the worker dies, the relay's connection goes back to SQLite's default.
 */
export class WalCheckpointer {
  private constructor(
    private readonly worker: Worker,
    private readonly db: Database,
  ) {}

  /** Starts the worker for the database file at `path`, which `db` has open in WAL mode. */
  static async start(db: Database, path: string, opts: { intervalMs?: number; onFailure?: (why: string) => void } = {}): Promise<WalCheckpointer> {
    const worker = spawnModuleWorker(import.meta.url, 'checkpoint-worker', { path, intervalMs: opts.intervalMs ?? DEFAULT_INTERVAL_MS } satisfies CheckpointWorkerData);
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve());
    });
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    db.pragma(`wal_autocheckpoint = ${backstopPages(db)}`);
    const fallBack = (why: string): void => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      opts.onFailure?.(why);
    };
    worker.on('message', (m: CheckpointWorkerMessage) => {
      if (m.type === 'failed') opts.onFailure?.(m.message);
    });
    worker.on('error', (err) => fallBack(err.message));
    worker.on('exit', (code) => {
      if (code !== 0) fallBack(`checkpoint worker exited with code ${code}`);
    });
    // A store that is never closed must not keep the process alive; the WAL is durable without it.
    worker.unref();
    return new WalCheckpointer(worker, db);
  }

  /** Terminates the worker as a crash would (tests, drills): the connection goes back to checkpointing for itself. */
  async crash(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.worker.terminate();
    await exited;
  }

  /** Runs a last checkpoint in the worker and stops it; the relay's connection checkpoints for itself afterwards. */
  async stop(): Promise<void> {
    await stopWorker(this.worker, 5000);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
