import type { Worker } from 'node:worker_threads';
import type { Filter } from '../../nostr/filter.js';
import { spawnModuleWorker, stopWorker } from '../../runtime/module-worker.js';
import { QueryTooExpensiveError, type QueryBudget } from '../types.js';
import { toStorageError } from './errors.js';
import type { ReadFailure, ReadReply, ReadRequest, ReadWorkerData } from './read-protocol.js';

/** Options of one pooled read. */
export type PooledReadOptions = { now: number; budget?: QueryBudget; signal?: AbortSignal };

type Pending = {
  reader: Reader;
  raws: string[];
  budget?: QueryBudget;
  resolve: (r: { raws: string[]; count?: number }) => void;
  reject: (err: unknown) => void;
  detach: () => void;
};
type Reader = { worker: Worker; inFlight: number; isReady: boolean };

function errorOf(failure: ReadFailure): Error {
  if (failure.kind === 'too-expensive') return new QueryTooExpensiveError();
  return toStorageError({ code: failure.code });
}

/**
 * Reader threads for the SQLite event store (strfry's ReqWorker): REQ and COUNT run on worker threads,
 * each with its own read-only connection, so no read blocks the relay's event loop however long it
 * scans. A read goes to the thread with the fewest reads in flight; a thread interleaves its reads page
 * by page, so a cheap read is not queued behind an expensive one. Answers are the stored JSON text, in
 * slices. Aborting a read settles it at once (with the signal's reason) and tells its thread to stop at
 * its next page; a statement still running is bounded by the request's budget.
 */
export class ReaderPool {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly data: ReadWorkerData,
    private readonly readers: Reader[],
  ) {
    for (const r of readers) this.watch(r);
  }

  /** Starts `size` reader threads on the database file at `data.path` (WAL mode, schema applied). */
  static async start(data: ReadWorkerData, size: number): Promise<ReaderPool> {
    const readers = await Promise.all(Array.from({ length: size }, () => startReader(data)));
    return new ReaderPool(data, readers);
  }

  /** The stored JSON of the events matching `filters`, newest first (see SqliteQueryRunner.query). */
  async query(filters: Filter[], opts: PooledReadOptions): Promise<string[]> {
    return (await this.send({ type: 'query', filters, now: opts.now }, opts)).raws;
  }

  /** Number of distinct events matching any filter, at most `max` when given. */
  async count(filters: Filter[], opts: PooledReadOptions & { max?: number }): Promise<number> {
    return (await this.send({ type: 'count', filters, now: opts.now, ...(opts.max === undefined ? {} : { max: opts.max }) }, opts)).count ?? 0;
  }

  /** Stops the threads; reads still in flight fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(() => true, toStorageError({ code: 'SQLITE_MISUSE' }));
    await Promise.all(
      this.readers.map((r) => stopWorker(r.worker, 2000)),
    );
  }

  private send(req: { type: 'query' | 'count'; filters: Filter[]; now: number; max?: number }, opts: PooledReadOptions): Promise<{ raws: string[]; count?: number }> {
    opts.signal?.throwIfAborted();
    if (this.closed || this.readers.length === 0) return Promise.reject(toStorageError({ code: 'SQLITE_MISUSE' }));
    const reader = this.readers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = (): void => {
        this.settle(id);
        reader.worker.postMessage({ type: 'abort', id } satisfies ReadRequest);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const detach = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { reader, raws: [], budget: opts.budget, resolve, reject, detach });
      // While it has reads in flight a reader keeps the process alive, so an answer is never dropped at exit.
      if (++reader.inFlight === 1) reader.worker.ref();
      reader.worker.postMessage({ ...req, id, ...(opts.budget ? { budget: opts.budget } : {}) } as ReadRequest);
    });
  }

  /** Forgets a read (answered, failed or aborted); returns it. */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (--p.reader.inFlight === 0) p.reader.worker.unref();
    p.detach();
    return p;
  }

  private onReply(m: ReadReply): void {
    if (m.type === 'ready') return;
    if (m.type === 'slice') {
      this.pending.get(m.id)?.raws.push(...m.raws);
      return;
    }
    const p = this.settle(m.id);
    if (!p) return;
    if (p.budget && m.rowsLeft !== undefined) p.budget.rowsLeft = m.rowsLeft;
    if (m.type === 'done') p.resolve({ raws: p.raws, ...(m.count === undefined ? {} : { count: m.count }) });
    else p.reject(errorOf(m.failure));
  }

  private watch(reader: Reader): void {
    reader.worker.on('message', (m: ReadReply) => {
      if (m.type === 'ready') reader.isReady = true;
      else this.onReply(m);
    });
    reader.worker.on('error', () => {});
    reader.worker.on('exit', () => {
      // A reader that died fails its reads and is replaced, so the pool keeps its size; one that died
      // before it could open the database leaves the pool (no respawn loop on a missing file).
      this.failAll((p) => p.reader === reader, toStorageError({ code: 'SQLITE_IOERR' }));
      if (this.closed) return;
      if (!reader.isReady) {
        this.readers.splice(this.readers.indexOf(reader), 1);
        return;
      }
      reader.worker = spawnReader(this.data);
      reader.inFlight = 0;
      reader.isReady = false;
      this.watch(reader);
    });
  }

  private failAll(which: (p: Pending) => boolean, err: Error): void {
    for (const [id, p] of this.pending) {
      if (!which(p)) continue;
      this.settle(id);
      p.reject(err);
    }
  }
}

function spawnReader(data: ReadWorkerData): Worker {
  const worker = spawnModuleWorker(import.meta.url, 'read-worker', data);
  // Once ready, reader threads never keep the process alive (a store that is not closed must not hang
  // the exit); until then they do, so that a process awaiting the store's start is not left without work.
  worker.once('message', () => worker.unref());
  return worker;
}

async function startReader(data: ReadWorkerData): Promise<Reader> {
  const worker = spawnReader(data);
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  return { worker, inFlight: 0, isReady: true };
}
