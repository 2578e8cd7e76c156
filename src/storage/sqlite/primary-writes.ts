import type Database from 'better-sqlite3';
import { WalCheckpointer } from './checkpointer.js';
import { FEED_CHANNEL, isWriteCall, refusedCall, trySend, WRITE_CHANNEL, type FeedBatch, type IpcPort, type WriteAnswer, type WriteCall } from './cluster-protocol.js';
import { openDatabase } from './open-database.js';
import type { WriteReply } from './write-protocol.js';
import { WriterThread } from './writer-thread.js';

/** Options of PrimaryWrites.open. */
export type PrimaryWritesOptions = {
  /** The database file the workers share. */
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** Run WAL checkpoints in a worker thread here (the workers' connections never checkpoint). Default true. */
  checkpointWorker?: boolean;
  onCheckpointFailure?: (why: string) => void;
};

/**
 * The one writer of a cluster's SQLite file, in the primary: the writer thread that a single relay
 * runs for itself (writer-thread.ts), serving every worker's event writes, and the WAL checkpointer.
 * A request is relayed to the thread as the worker encoded it and answered after the commit; the
 * stored items of a committed batch are then forwarded to every other worker (cluster-feed.ts), the
 * cluster's one live path across processes. Requests run in arrival order, one transaction each.
 */
export class PrimaryWrites {
  private readonly ports = new Set<IpcPort>();

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: WriterThread,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {}

  /** Opens the file (schema applied once, here, before any worker starts) and starts the writer thread. */
  static async open(opts: PrimaryWritesOptions): Promise<PrimaryWrites> {
    const synchronous = opts.synchronous ?? 'NORMAL';
    const db = openDatabase(opts.path, synchronous);
    let checkpointer: WalCheckpointer | undefined;
    try {
      if (opts.checkpointWorker !== false) checkpointer = await WalCheckpointer.start(db, opts.path, { onFailure: opts.onCheckpointFailure });
      return new PrimaryWrites(db, await WriterThread.start({ path: opts.path, synchronous }), checkpointer);
    } catch (err) {
      await checkpointer?.stop();
      db.close();
      throw err;
    }
  }

  /** Serves a worker's write requests until it is detached (its exit); it also receives the others' commits. */
  attach(port: IpcPort): () => void {
    const listener = (m: unknown): void => {
      if (isWriteCall(m)) return void this.serve(port, m);
      // A malformed request is answered, so the worker's caller hears `error` instead of waiting forever.
      const refusal = refusedCall(m);
      if (refusal) trySend(port, refusal);
    };
    port.on('message', listener);
    this.ports.add(port);
    return () => {
      port.off('message', listener);
      this.ports.delete(port);
    };
  }

  /** Stops the writer thread after the requests already relayed (each commits), then the checkpointer. */
  async close(): Promise<void> {
    await this.writer.close();
    await this.checkpointer?.stop();
    this.db.pragma('optimize');
    this.db.close();
  }

  private async serve(origin: IpcPort, { req }: WriteCall): Promise<void> {
    const { id, ...body } = req;
    let reply: WriteReply;
    try {
      // The thread gets its own exact copy (the IPC view may share a larger buffer); the view is forwarded once committed.
      const own = body.type === 'save' ? { ...body, batch: body.batch.slice() } : body;
      reply = await this.writer.request(own, own.type === 'save' ? [own.batch.buffer as ArrayBuffer] : []);
    } catch (err) {
      // The thread died with the request in flight: it may or may not have committed, so nothing is acknowledged.
      const code = (err as { code?: unknown }).code;
      reply = { type: 'failed', id, ...(typeof code === 'string' ? { code } : {}) };
    }
    if (reply.type === 'ready') return;
    // A worker that exited meanwhile gets no answer; its committed events still reach the others.
    trySend(origin, { ch: WRITE_CHANNEL, reply: { ...reply, id } } satisfies WriteAnswer);
    if (reply.type === 'saved' && body.type === 'save') this.forward(origin, body.batch, reply.outcomes);
  }

  private forward(origin: IpcPort, batch: Uint8Array, outcomes: readonly unknown[]): void {
    const saved: number[] = [];
    outcomes.forEach((o, i) => {
      if (o === 'saved') saved.push(i);
    });
    if (saved.length === 0) return;
    const message: FeedBatch = { ch: FEED_CHANNEL, batch, saved };
    for (const port of this.ports) if (port !== origin) trySend(port, message);
  }
}
