import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker, stopWorker } from '../../runtime/module-worker.js';
import { toStorageError } from './errors.js';
import { WriteClient, type UnnumberedWriteRequest } from './write-client.js';
import type { WriteReply, WriteRequest, WriteWorkerData } from './write-protocol.js';

type Pending = { resolve: (m: WriteReply) => void; reject: (err: unknown) => void };

/**
 * The writer thread of the SQLite event store (strfry's Writer): one worker thread owns the connection
 * that writes events, so the inserts, index updates and WAL commit of a batch cost the relay's event
 * loop nothing but the message. A batch crosses as the events' JSON text; each item's outcome comes
 * back after the commit, so `OK true` still means committed. Requests run one after another in the
 * order sent. A thread that dies fails its requests in flight (`error`, nothing acknowledged) and is
 * started again for the next request.
 */
export class WriterThread extends WriteClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(private readonly data: WriteWorkerData) {
    super();
  }

  /** Starts the thread on the database file (WAL mode, schema applied by the caller). */
  static async start(data: WriteWorkerData): Promise<WriterThread> {
    const writer = new WriterThread(data);
    await writer.spawn();
    return writer;
  }

  /** Stops the thread after the requests already sent. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // The thread commits what it was sent before it exits.
    await stopWorker(worker, 10_000);
    this.failAll();
  }

  /**
   * Sends one request as it is (the cluster primary relays its workers' requests here, already encoded);
   * resolves with the thread's reply after the commit.
   */
  async request(req: UnnumberedWriteRequest, transfer: ArrayBuffer[] = []): Promise<WriteReply> {
    const worker = this.worker ?? (await this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While a request is in flight the thread keeps the process alive, so an answer is never dropped at exit.
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...req, id } as WriteRequest, transfer);
      } catch (err) {
        // Not cloneable (a malformed request relayed from a cluster worker): nothing was sent.
        this.pending.delete(id);
        if (this.pending.size === 0) worker.unref();
        reject(err);
      }
    });
  }

  private async spawn(): Promise<Worker> {
    const worker = spawnModuleWorker(import.meta.url, 'write-worker', this.data);
    await new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', () => resolve());
    });
    worker.on('error', () => {});
    worker.on('message', (m: WriteReply) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      p?.resolve(m);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll();
    });
    // Idle between requests, the thread must not keep the process alive (a store that is never closed).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Fails every request in flight: a thread that died may or may not have committed them, so none is acknowledged. */
  private failAll(): void {
    const error = toStorageError({ code: 'SQLITE_IOERR' });
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
