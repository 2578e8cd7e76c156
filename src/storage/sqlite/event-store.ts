import type { Database, Statement } from 'better-sqlite3';
import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import { rememberJson } from '../../nostr/frames.js';
import type { EventStore, QueryBudget, QueryOptions, SaveResult } from '../types.js';
import { guarded } from './errors.js';
import type { SaveItem } from './save-batch.js';

/** Rows removed per purge step, so a large purge does not hold the write lock for long. */
export const PURGE_CHUNK = 500;

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Options of one read as the engines take them. */
export type EngineReadOptions = { now: number; budget?: QueryBudget; signal?: AbortSignal };

/**
 * Where the store's event reads and writes run: a SplitEngine (engine.ts) of a read side (reader
 * threads for a database file, or the relay's own connection, which an in-memory database needs)
 * and a write side (the relay's connection, a writer thread, or a cluster primary). All run the
 * same SQL (query-runner.ts, save-batch.ts).
 */
export interface EventEngine {
  /** The stored JSON of the matching events, newest first (ties by id), each filter's limit applied. */
  query(filters: Filter[], opts: EngineReadOptions): Promise<string[]>;
  count(filters: Filter[], opts: EngineReadOptions & { max?: number }): Promise<number>;
  /** One transaction; one result per item. */
  save(items: SaveItem[]): Promise<SaveResult[]>;
  remove(ids: string[]): Promise<number>;
  purgeStep(now: number, chunk: number): Promise<number>;
  /** Caps the database file at `pages` on the connection that writes events: a full disk, for tests and drills. */
  capPages(pages: number): Promise<void>;
  close(): Promise<void>;
}

/** The EventStore port on better-sqlite3. Construct it through openSqliteStorage. */
export class SqliteEventStore implements EventStore {
  private readonly hasStmt: Statement;

  constructor(
    /** The relay's own connection: duplicate checks and health (writes of events go through the engine). */
    private readonly db: Database,
    private readonly engine: EventEngine,
    private readonly closeDb: () => Promise<void>,
  ) {
    this.hasStmt = db.prepare('SELECT 1 FROM events WHERE id = ?').pluck();
  }

  async saveBatch(items: SaveItem[]): Promise<SaveResult[]> {
    if (items.length === 0) return [];
    return this.engine.save(items);
  }

  /**
   * Events matching any filter, newest first with ties by lowest id. Each event carries the JSON it
   * was stored as (rememberJson), so sending it does not serialize it again. Throws the signal's
   * reason when aborted, QueryTooExpensiveError past the budget.
   */
  async query(filters: Filter[], opts: QueryOptions = {}): Promise<NostrEvent[]> {
    opts.signal?.throwIfAborted();
    const raws = await this.engine.query(filters, this.readOptions(opts));
    opts.signal?.throwIfAborted();
    return raws.map((raw) => {
      const ev = JSON.parse(raw) as NostrEvent;
      rememberJson(ev, raw);
      return ev;
    });
  }

  async count(filters: Filter[], opts: QueryOptions & { max?: number } = {}): Promise<number> {
    opts.signal?.throwIfAborted();
    return this.engine.count(filters, { ...this.readOptions(opts), ...(opts.max === undefined ? {} : { max: opts.max }) });
  }

  async has(id: string): Promise<boolean> {
    return guarded(() => this.hasStmt.get(id) !== undefined);
  }

  async remove(ids: string[]): Promise<number> {
    return this.engine.remove(ids);
  }

  /**
   * Removes expired events in steps of PURGE_CHUNK, yielding between steps, and the expired
   * documents of the kv store, which lives in the same database. Returns the number of events.
   */
  async purgeExpired(now: number = unixNow()): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.engine.purgeStep(now, PURGE_CHUNK);
      total += n;
      if (n < PURGE_CHUNK) break;
      await nextTick();
    }
    return total;
  }

  /**
   * Caps the database file at `pages` on every connection that writes (SQLite's max_page_count; a
   * large number lifts it): a full disk, for tests and drills.
   */
  async capPages(pages: number): Promise<void> {
    guarded(() => this.db.pragma(`max_page_count = ${Math.floor(pages)}`));
    await this.engine.capPages(pages);
  }

  async health(): Promise<void> {
    guarded(() => this.db.prepare('SELECT count(*) FROM sqlite_master').get());
  }

  /** Closes the database shared with the kv store (the whole Storage). */
  async close(): Promise<void> {
    await this.closeDb();
  }

  private readOptions(opts: QueryOptions): EngineReadOptions {
    return { now: opts.now ?? unixNow(), ...(opts.budget ? { budget: opts.budget } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  }

}
