import type { Filter } from '../../nostr/filter.js';
import type { SaveResult } from '../types.js';
import type { EngineReadOptions, EventEngine } from './event-store.js';
import type { SaveItem } from './save-batch.js';

/** Where REQ/COUNT run: the reader pool (reader-pool.ts) or the relay's own connection (in-process.ts). */
export interface EventReads {
  query(filters: Filter[], opts: EngineReadOptions): Promise<string[]>;
  count(filters: Filter[], opts: EngineReadOptions & { max?: number }): Promise<number>;
  close(): Promise<void>;
}

/** Where event writes run: the writer thread (thread-writes.ts) or the relay's own connection (in-process.ts). */
export type EventWrites = Pick<EventEngine, 'save' | 'remove' | 'purgeStep' | 'capPages' | 'close'>;

/**
 * The store's engine, put together from a read side and a write side chosen independently
 * (openSqliteStorage): reads on threads keep an expensive REQ off the event loop on any machine,
 * while a writer thread pays only when a core is spare for it.
 */
export class SplitEngine implements EventEngine {
  constructor(
    private readonly reads: EventReads,
    private readonly writes: EventWrites,
  ) {}

  query(filters: Filter[], opts: EngineReadOptions): Promise<string[]> {
    return this.reads.query(filters, opts);
  }

  count(filters: Filter[], opts: EngineReadOptions & { max?: number }): Promise<number> {
    return this.reads.count(filters, opts);
  }

  save(items: SaveItem[]): Promise<SaveResult[]> {
    return this.writes.save(items);
  }

  remove(ids: string[]): Promise<number> {
    return this.writes.remove(ids);
  }

  purgeStep(now: number, chunk: number): Promise<number> {
    return this.writes.purgeStep(now, chunk);
  }

  capPages(pages: number): Promise<void> {
    return this.writes.capPages(pages);
  }

  /** Finishes the writes in flight, then stops whatever threads either side runs. */
  async close(): Promise<void> {
    await this.writes.close();
    await this.reads.close();
  }
}
