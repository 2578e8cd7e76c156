import type { Database } from 'better-sqlite3';
import type { Filter } from '../../nostr/filter.js';
import type { SaveResult } from '../types.js';
import type { EventReads, EventWrites } from './engine.js';
import { guarded, toStorageError } from './errors.js';
import type { EngineReadOptions } from './event-store.js';
import { EventRemover } from './event-remover.js';
import { SqliteQueryRunner } from './query-runner.js';
import { SqliteBatchSaver, type SaveItem } from './save-batch.js';

/**
 * Event reads on the relay's own connection: in-memory databases (tests), which other threads
 * cannot open, and `threads = false`. Reads still go page by page and yield between pages.
 */
export class InProcessReads implements EventReads {
  private readonly runner: SqliteQueryRunner;

  constructor(db: Database) {
    this.runner = new SqliteQueryRunner(db);
  }

  query(filters: Filter[], opts: EngineReadOptions): Promise<string[]> {
    return this.runner.query(filters, { now: opts.now, budget: opts.budget, checkAborted: () => opts.signal?.throwIfAborted() });
  }

  async count(filters: Filter[], opts: EngineReadOptions & { max?: number }): Promise<number> {
    return this.runner.count(filters, { now: opts.now, budget: opts.budget, max: opts.max });
  }

  async close(): Promise<void> {}
}

/**
 * Event writes on the relay's own connection (the default; see openSqliteStorage): each save is one
 * IMMEDIATE transaction of the batch the relay's Writer made, run synchronously, so nothing crosses
 * a thread and the connection's page cache stays warm for the kv writes that share it.
 */
export class InProcessWrites implements EventWrites {
  private readonly remover: EventRemover;
  private readonly saveTx: (items: SaveItem[]) => SaveResult[];

  constructor(db: Database) {
    this.remover = new EventRemover(db);
    const saver = new SqliteBatchSaver(db);
    this.saveTx = db.transaction((items: SaveItem[]) => saver.saveWithin(items)).immediate;
  }

  async save(items: SaveItem[]): Promise<SaveResult[]> {
    try {
      return this.saveTx(items);
    } catch (err) {
      // The transaction failed as a whole (lock, disk): nothing of this batch is stored.
      const error = toStorageError(err);
      return items.map(() => ({ status: 'error', error }));
    }
  }

  async remove(ids: string[]): Promise<number> {
    return guarded(() => this.remover.remove(ids));
  }

  async purgeStep(now: number, chunk: number): Promise<number> {
    return guarded(() => this.remover.purgeStep(now, chunk));
  }

  /** Nothing to do: the store's own connection, already capped by SqliteEventStore.capPages, writes the events. */
  async capPages(): Promise<void> {}

  async close(): Promise<void> {}
}
