import type { Filter } from '../../nostr/filter.js';
import type { SaveResult } from '../types.js';
import type { EngineReadOptions, EventEngine } from './event-store.js';
import type { ReaderPool } from './reader-pool.js';
import type { SaveItem } from './save-batch.js';
import type { WriteLane } from './write-lane.js';
import type { WriteClient } from './write-client.js';

/**
 * Event reads on the reader pool and writes on the writer thread (or, in a cluster worker, the
 * primary's): the relay's event loop does no SQLite work for REQ, COUNT or saving events. Writes wait their turn on the lane shared with the
 * kv group commits on the main connection, so neither path waits for SQLite's write lock.
 */
export class ThreadedEngine implements EventEngine {
  constructor(
    private readonly readers: ReaderPool,
    private readonly writer: WriteClient,
    private readonly lane: WriteLane,
  ) {}

  query(filters: Filter[], opts: EngineReadOptions): Promise<string[]> {
    return this.readers.query(filters, opts);
  }

  count(filters: Filter[], opts: EngineReadOptions & { max?: number }): Promise<number> {
    return this.readers.count(filters, opts);
  }

  save(items: SaveItem[]): Promise<SaveResult[]> {
    return this.lane.run(() => this.writer.save(items));
  }

  remove(ids: string[]): Promise<number> {
    return this.lane.run(() => this.writer.remove(ids));
  }

  purgeStep(now: number, chunk: number): Promise<number> {
    return this.lane.run(() => this.writer.purgeStep(now, chunk));
  }

  capPages(pages: number): Promise<void> {
    return this.lane.run(() => this.writer.capPages(pages));
  }

  /** Waits for the writes in flight, then stops the threads. */
  async close(): Promise<void> {
    await this.lane.idle();
    await Promise.all([this.writer.close(), this.readers.close()]);
  }
}
