import Database from 'better-sqlite3';
import { toStorageError } from './errors.js';
import type { WriteLane } from './write-lane.js';

type Op = { run: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void };

/**
 * Group commit for the kv store's writes on the relay's connection: every write queued during one turn
 * of the event loop (or, with a lane, until the event batch in flight has committed) runs in one
 * IMMEDIATE transaction, so N concurrent writers pay for one WAL commit instead of N. Event batches do
 * not come through here: the relay's Writer (src/relay/writer.ts) already batches them, and one batch
 * is one transaction of its own (one batching layer per path). Each caller
 * still learns its own outcome, and only after the commit. A write that throws (a caller's update
 * function, a constraint) fails alone: it is run before anything of it is written, or SQLite
 * rolls back just that statement. A failed commit fails every write of the group.
 */
export class GroupCommit {
  private queue: Op[] = [];
  private scheduled = false;
  private readonly runAll: (ops: Op[]) => void;

  /**
   * With `lane`, each group commits only when the writes queued on the lane before it have settled (see
   * WriteLane; in a cluster worker, when the primary gave it the file's turn: write-turns.ts).
   */
  constructor(
    db: Database.Database,
    private readonly lane?: Pick<WriteLane, 'run'>,
  ) {
    const tx = db.transaction((ops: Op[]) => {
      for (const op of ops) {
        try {
          op.resolve(op.run());
        } catch (err) {
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the group fails.
          if (!db.inTransaction) throw err;
          op.reject(err instanceof Database.SqliteError ? toStorageError(err) : err);
        }
      }
    });
    this.runAll = (ops) => tx.immediate(ops);
  }

  /** Runs `write` inside the next group transaction; resolves with its result once committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (v: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => (this.lane ? void this.lane.run(() => this.flush()) : this.flush()));
    });
  }

  private flush(): void {
    this.scheduled = false;
    const ops = this.queue;
    this.queue = [];
    // Outcomes are held back until the commit: a caller must never see a write that may still roll back.
    const settled: (() => void)[] = [];
    const held = ops.map((op) => ({
      run: op.run,
      resolve: (v: unknown) => settled.push(() => op.resolve(v)),
      reject: (e: unknown) => settled.push(() => op.reject(e)),
    }));
    try {
      this.runAll(held);
    } catch (err) {
      const error = toStorageError(err);
      for (const op of ops) op.reject(error);
      return;
    }
    for (const settle of settled) settle();
  }
}
