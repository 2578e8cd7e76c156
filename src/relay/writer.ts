import type { Logger } from 'pino';
import type { VerifiedEvent } from '../nostr/event.js';
import type { DeletionRequest, EventStore, SaveResult } from '../storage/types.js';
import type { Counter, Histogram } from 'prom-client';

type Pending = { event: VerifiedEvent; deletion?: DeletionRequest; resolve: (r: SaveResult) => void };

/** Options of the writer. */
export type WriterOptions = {
  /** Most events committed in one transaction. Default 500. */
  maxBatch?: number;
  logger: Logger;
  storeOpDuration?: Histogram<'op'>;
  /** Counts each batch write as ok or error (nostr_relay_store_operations_total). */
  storeOps?: Counter<'op' | 'outcome'>;
};

/**
 * The only code that writes events. Saves queued in the same tick are committed together in one
 * store batch (one transaction, one fsync), then each caller learns its own result. Callers send
 * `OK true` only after their promise resolves, i.e. after the commit.
 */
export class Writer {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;

  constructor(
    private readonly store: EventStore,
    private readonly opts: WriterOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 500;
  }

  /** Queues one event (with its NIP-09 deletion, if kind 5) and resolves after the commit. */
  save(event: VerifiedEvent, deletion?: DeletionRequest): Promise<SaveResult> {
    return new Promise((resolve) => {
      this.queue.push({ event, deletion, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Events queued or being written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when everything queued so far is committed (graceful shutdown). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      await this.inFlight;
      await new Promise((r) => setImmediate(r));
    }
    await this.inFlight;
  }

  private drain(): void {
    // Batches are written one after another so that the order of commits follows arrival.
    this.inFlight = this.inFlight.then(async () => {
      this.scheduled = false;
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    });
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const end = this.opts.storeOpDuration?.startTimer({ op: 'save_batch' });
    let results: SaveResult[];
    try {
      results = await this.store.saveBatch(batch.map(({ event, deletion }) => ({ event, deletion })));
      this.opts.storeOps?.inc({ op: 'save_batch', outcome: 'ok' });
    } catch (err) {
      this.opts.storeOps?.inc({ op: 'save_batch', outcome: 'error' });
      this.opts.logger.error({ err: (err as Error).message, batch: batch.length }, 'event batch write failed');
      results = batch.map(() => ({ status: 'error', error: err as Error }));
    }
    end?.();
    batch.forEach((p, i) => p.resolve(results[i] ?? { status: 'error', error: new Error('missing result') }));
  }
}
