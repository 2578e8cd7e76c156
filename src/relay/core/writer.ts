import type { Logger } from 'pino';
import type { VerifiedEvent } from '../../nostr/event.js';
import { AUTHOR_ONLY, type DeletionRule } from '../../nostr/deletion.js';
import type { DeletionRequest, EventStore, SaveResult } from '../../storage/types.js';
import type { Counter, Histogram } from 'prom-client';
import type { OnEventsDeleted } from '../hooks.js';

type Pending = { event: VerifiedEvent; deletion?: DeletionRequest; resolve: (r: SaveResult) => void };

/** Options of the writer. */
export type WriterOptions = {
  /** Most events committed in one transaction. Default 500. */
  maxBatch?: number;
  logger: Logger;
  storeOpDuration?: Histogram<'op'>;
  /** Counts each batch write as ok or error (nostr_relay_store_operations_total). */
  storeOps?: Counter<'op' | 'outcome'>;
  /** Who may delete what (NIP-09): the stores apply it inside the transaction that deletes. Default: authors only. */
  mayDelete?: DeletionRule;
  /** Observers told of events removed by a deletion request or by `remove` (the hook slot, read live). */
  onDeleted?: OnEventsDeleted[];
};

/**
 * The only code that writes events: saves, NIP-09 deletions and removals (retention, bans, consumed
 * KeyPackages) all pass here, so the onEventsDeleted observers hear of every removal. (NIP-40 expiry
 * purges are the store's own maintenance.) Saves queued in the same tick are committed together in
 * one store batch (one transaction), then each caller learns its own result. Callers send `OK true`
 * only after their promise resolves, i.e. after the commit.
 */
export class Writer {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  /** The NIP-09 rule the store applies (WriterOptions.mayDelete). */
  readonly mayDelete: DeletionRule;

  constructor(
    private readonly store: EventStore,
    private readonly opts: WriterOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 500;
    this.mayDelete = opts.mayDelete ?? AUTHOR_ONLY;
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

  /** Removes stored events (not a NIP-09 request: no tombstone) and tells the observers. The number removed. */
  async remove(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const n = await this.store.remove(ids);
    await this.notifyDeleted(ids);
    return n;
  }

  /** Tells the onEventsDeleted observers; a failing one is logged, never thrown to the caller. */
  async notifyDeleted(ids: string[]): Promise<void> {
    for (const hook of this.opts.onDeleted ?? []) {
      try {
        await hook(ids);
      } catch (err) {
        this.opts.logger.error({ err: (err as Error).message, ids: ids.length }, 'onEventsDeleted hook failed');
      }
    }
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
      // Plain data for this batch (a store thread receives it); the hooks' kinds as they are now.
      const mayDelete: DeletionRule = { recipientKinds: [...this.mayDelete.recipientKinds] };
      results = await this.store.saveBatch(batch.map(({ event, deletion }) => ({ event, deletion, mayDelete })));
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
