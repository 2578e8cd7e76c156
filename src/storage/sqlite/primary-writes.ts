import type Database from 'better-sqlite3';
import { WalCheckpointer } from './checkpointer.js';
import {
  FEED_CHANNEL,
  isTurnCall,
  isWriteCall,
  refusedCall,
  trySend,
  TURN_CHANNEL,
  WRITE_CHANNEL,
  type FeedBatch,
  type IpcPort,
  type TurnGrant,
  type WriteAnswer,
  type WriteCall,
} from './cluster-protocol.js';
import type { SqliteStorageOptions } from './index.js';
import { openDatabase } from './open-database.js';
import type { UnnumberedWriteRequest } from './write-client.js';
import { createWriteHandler } from './write-handler.js';
import type { WriteReply, WriteRequest } from './write-protocol.js';
import { WriteLane } from './write-lane.js';
import { WriterThread } from './writer-thread.js';

/**
 * Options of PrimaryWrites.open: the database file the workers share, and as for a single relay its
 * durability, checkpoint worker (the workers' connections never checkpoint) and writer thread (default
 * off: the primary's event loop does little but relay, and the thread adds a handoff per batch).
 */
export type PrimaryWritesOptions = Pick<SqliteStorageOptions, 'path' | 'synchronous' | 'checkpointWorker' | 'checkpointIntervalMs' | 'onCheckpointFailure' | 'writerThread'>;

/** Carries one request to the connection that commits it; resolves with the reply after the commit. */
type Commit = (req: UnnumberedWriteRequest, transfer: ArrayBuffer[]) => Promise<WriteReply>;

/**
 * The one writer of a cluster's SQLite file, in the primary, serving every worker's event writes,
 * and the WAL checkpointer. A request is committed as the worker encoded it — on the primary's own
 * connection, or relayed to a writer thread (writer-thread.ts) with `writerThread` — and answered
 * after the commit; the stored items of a committed batch are then forwarded to every other worker
 * (cluster-feed.ts), the cluster's one live path across processes. Requests run in arrival order,
 * one transaction each.
 */
export class PrimaryWrites {
  private readonly ports = new Set<IpcPort>();
  /** Every write to the file takes its turn here: the workers' event batches and their kv commits (write-turns.ts). */
  private readonly lane = new WriteLane();
  /** Turns granted and not yet given back, per worker: given back for it when it is detached (its exit). */
  private readonly held = new Map<IpcPort, Map<number, () => void>>();

  private constructor(
    private readonly db: Database.Database,
    private readonly commit: Commit,
    private readonly writer: WriterThread | undefined,
    private readonly checkpointer: WalCheckpointer | undefined,
  ) {}

  /** Opens the file (schema applied once, here, before any worker starts) and what commits to it. */
  static async open(opts: PrimaryWritesOptions): Promise<PrimaryWrites> {
    const synchronous = opts.synchronous ?? 'NORMAL';
    const db = openDatabase(opts.path, synchronous);
    let checkpointer: WalCheckpointer | undefined;
    try {
      if (opts.checkpointWorker !== false) checkpointer = await WalCheckpointer.start(db, opts.path, { intervalMs: opts.checkpointIntervalMs, onFailure: opts.onCheckpointFailure });
      if (opts.writerThread) {
        const writer = await WriterThread.start({ path: opts.path, synchronous });
        return new PrimaryWrites(db, (req, transfer) => writer.request(req, transfer), writer, checkpointer);
      }
      const handle = createWriteHandler(db);
      // On this process's connection (its event loop waits for the commit: it has little else to do).
      // The id is the worker's, put back by serve().
      return new PrimaryWrites(db, async (req) => handle({ ...req, id: 0 } as WriteRequest), undefined, checkpointer);
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
      if (isTurnCall(m)) return this.turn(port, m.id, m.op);
      // A malformed request is answered, so the worker's caller hears `error` instead of waiting forever.
      const refusal = refusedCall(m);
      if (refusal) trySend(port, refusal);
    };
    port.on('message', listener);
    this.ports.add(port);
    this.held.set(port, new Map());
    return () => {
      port.off('message', listener);
      this.ports.delete(port);
      // A worker that exited holding the turn (or waiting for it) gives it back.
      for (const give of this.held.get(port)?.values() ?? []) give();
      this.held.delete(port);
    };
  }

  /** Stops the writer thread, if any, after the requests already relayed (each commits), then the checkpointer. */
  async close(): Promise<void> {
    await this.lane.idle();
    await this.writer?.close();
    await this.checkpointer?.stop();
    this.db.close();
  }

  private async serve(origin: IpcPort, { req }: WriteCall): Promise<void> {
    const { id, ...body } = req;
    let reply: WriteReply;
    try {
      // A writer thread gets its own exact copy (the IPC view may share a larger buffer); the view is forwarded once committed.
      const own = this.writer && body.type === 'save' ? { ...body, batch: body.batch.slice() } : body;
      reply = await this.lane.run(() => this.commit(own, this.writer && own.type === 'save' ? [own.batch.buffer as ArrayBuffer] : []));
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

  /** `take`: grants the turn once the writes queued before it settled, and holds the lane until `give`. */
  private turn(port: IpcPort, id: number, op: 'take' | 'give'): void {
    const held = this.held.get(port);
    if (!held) return;
    if (op === 'give') {
      held.get(id)?.();
      held.delete(id);
      return;
    }
    void this.lane.run(
      () =>
        new Promise<void>((give) => {
          held.set(id, give);
          // A worker that is gone cannot give the turn back: it is not held.
          if (!trySend(port, { ch: TURN_CHANNEL, id } satisfies TurnGrant)) {
            held.delete(id);
            give();
          }
        }),
    );
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
