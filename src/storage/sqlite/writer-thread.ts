import type { DeletionRule } from '../../nostr/deletion.js';
import type { Worker } from 'node:worker_threads';
import { rememberJson, serializeEvent } from '../../nostr/frames.js';
import { spawnModuleWorker, stopWorker } from '../../runtime/module-worker.js';
import type { DeletionRequest, SaveResult } from '../types.js';
import { toStorageError } from './errors.js';
import type { SaveItem } from './save-batch.js';
import { ITEM_SEPARATOR, type WriteReply, type WriteRequest, type WriteWorkerData } from './write-protocol.js';

const encoder = new TextEncoder();

type Pending = { resolve: (m: WriteReply) => void; reject: (err: unknown) => void };
type Request = DistributiveOmit<WriteRequest, 'id'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The writer thread of the SQLite event store (strfry's Writer): one worker thread owns the connection
 * that writes events, so the inserts, index updates and WAL commit of a batch cost the relay's event
 * loop nothing but the message. A batch crosses as the events' JSON text; each item's outcome comes
 * back after the commit, so `OK true` still means committed. Requests run one after another in the
 * order sent. A thread that dies fails its requests in flight (`error`, nothing acknowledged) and is
 * started again for the next request.
 */
export class WriterThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(private readonly data: WriteWorkerData) {}

  /** Starts the thread on the database file (WAL mode, schema applied by the caller). */
  static async start(data: WriteWorkerData): Promise<WriterThread> {
    const writer = new WriterThread(data);
    await writer.spawn();
    return writer;
  }

  /** Saves a batch in one transaction: one result per item, in order (see SqliteBatchSaver). */
  async save(items: SaveItem[]): Promise<SaveResult[]> {
    // The event's JSON is serialized once here; serializeEvent remembers it for the live fanout.
    const texts: string[] = [];
    const deletions: [number, DeletionRequest][] = [];
    const rules: [number, DeletionRule][] = [];
    items.forEach(({ event, deletion, mayDelete }, i) => {
      const json = serializeEvent(event);
      rememberJson(event, json);
      texts.push(json);
      if (deletion) deletions.push([i, deletion]);
      // The relay's Writer hands every item of a batch the same plain rule: cloned once per message.
      if (mayDelete && mayDelete.recipientKinds.length > 0) rules.push([i, mayDelete]);
    });
    const batch = encoder.encode(texts.join(ITEM_SEPARATOR));
    let reply: WriteReply;
    try {
      reply = await this.request({ type: 'save', batch, deletions, rules }, [batch.buffer as ArrayBuffer]);
    } catch (err) {
      const error = toStorageError(err);
      return items.map(() => ({ status: 'error', error }));
    }
    if (reply.type === 'failed') {
      const error = toStorageError({ code: reply.code });
      return items.map(() => ({ status: 'error', error }));
    }
    if (reply.type !== 'saved') throw new Error('writer thread: unexpected reply');
    return reply.outcomes.map((o) => (typeof o === 'string' ? { status: o } : { status: 'error', error: toStorageError({ code: o.code }) }));
  }

  /** Removes events by id (no tombstones); returns how many. */
  async remove(ids: string[]): Promise<number> {
    return this.count(await this.request({ type: 'remove', ids }));
  }

  /** One purge step (see EventRemover.purgeStep). */
  async purgeStep(now: number, chunk: number): Promise<number> {
    return this.count(await this.request({ type: 'purge', now, chunk }));
  }

  /** Caps the file at `pages` on the writer's connection (a full disk, for tests and drills). */
  async capPages(pages: number): Promise<void> {
    this.count(await this.request({ type: 'cap-pages', pages }));
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

  private count(reply: WriteReply): number {
    if (reply.type === 'done') return reply.n;
    throw toStorageError({ code: reply.type === 'failed' ? reply.code : undefined });
  }

  private async request(req: Request, transfer: ArrayBuffer[] = []): Promise<WriteReply> {
    const worker = this.worker ?? (await this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While a request is in flight the thread keeps the process alive, so an answer is never dropped at exit.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id } as WriteRequest, transfer);
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
