import type { Database, Statement } from 'better-sqlite3';
import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import { QueryTooExpensiveError, type EventStore, type QueryBudget, type QueryOptions, type SaveResult } from '../types.js';
import { toStorageError } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import { buildCountQuery, buildPageQuery, EXAMINE_FUNCTION, type PageCursor, type PageRow } from './query-builder.js';
import { SqliteBatchSaver, type SaveItem } from './save-batch.js';

/** Rows read per statement run; between pages the store yields to the event loop and checks the abort signal. */
export const PAGE_SIZE = 500;
/** Rows removed per purge step, so a large purge does not hold the write lock for long. */
export const PURGE_CHUNK = 500;
/** Prepared statements kept for reuse; query shapes vary with the filter's fields and list lengths. */
const STATEMENT_CACHE_SIZE = 256;

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** NIP-01 order on rows: newest first, ties by lowest id (the same order as compareNewestFirst). */
function newestFirst(a: PageRow, b: PageRow): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The EventStore port on better-sqlite3. Construct it through openSqliteStorage. */
type StatementBudget = { rowsLeft: number; deadline: number; calls: number; exceeded: boolean };
const UNLIMITED: StatementBudget = Object.freeze({ rowsLeft: Infinity, deadline: Infinity, calls: 0, exceeded: false }) as StatementBudget;

export class SqliteEventStore implements EventStore {
  private readonly saver: SqliteBatchSaver;
  /** The budget of the statement running now (better-sqlite3 runs one at a time); UNLIMITED otherwise. */
  private current: StatementBudget = UNLIMITED;
  private readonly statements = new Map<string, Statement>();
  private readonly hasStmt: Statement;
  private readonly removeTx: (ids: string[]) => number;
  private readonly purgeStep: (now: number) => number;
  private readonly purgeKv: Statement;

  constructor(
    private readonly db: Database,
    private readonly closeDb: () => Promise<void>,
    /** Shared with the kv store: event batches and kv writes of one event-loop turn commit together. */
    private readonly writes: GroupCommit,
  ) {
    this.saver = new SqliteBatchSaver(db);
    db.function(EXAMINE_FUNCTION, { deterministic: false }, () => this.examine());
    this.hasStmt = db.prepare('SELECT 1 FROM events WHERE id = ?').pluck();
    const seqById = db.prepare('SELECT seq FROM events WHERE id = ?').pluck();
    const deleteTags = db.prepare('DELETE FROM tags WHERE eid = ?');
    const deleteEvent = db.prepare('DELETE FROM events WHERE seq = ?');
    this.removeTx = db.transaction((ids: string[]) => {
      let n = 0;
      for (const id of new Set(ids)) {
        const seq = seqById.get(id) as number | undefined;
        if (seq === undefined) continue;
        deleteTags.run(seq);
        n += deleteEvent.run(seq).changes;
      }
      return n;
    });
    const expiredSeqs = db
      .prepare('SELECT seq FROM events WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?')
      .pluck();
    this.purgeStep = db.transaction((now: number) => {
      const seqs = expiredSeqs.all(now, PURGE_CHUNK) as number[];
      for (const seq of seqs) {
        deleteTags.run(seq);
        deleteEvent.run(seq);
      }
      return seqs.length;
    });
    this.purgeKv = db.prepare('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  async saveBatch(items: SaveItem[]): Promise<SaveResult[]> {
    if (items.length === 0) return [];
    try {
      return await this.writes.run(() => this.saver.saveWithin(items));
    } catch (err) {
      // The group's transaction failed (lock, disk): nothing of this batch is stored.
      const error = toStorageError(err);
      return items.map(() => ({ status: 'error', error }));
    }
  }

  /**
   * Runs each filter separately (its own limit, NIP-01), page by page, then merges the results
   * without duplicates, newest first with ties by lowest id. Throws the signal's reason when aborted.
   */
  async query(filters: Filter[], opts: QueryOptions = {}): Promise<NostrEvent[]> {
    const now = opts.now ?? unixNow();
    const byId = new Map<string, PageRow>();
    for (const [i, filter] of filters.entries()) {
      opts.signal?.throwIfAborted();
      // Let other connections' frames run between filters, as between pages.
      if (i > 0) await nextTick();
      for await (const page of this.pages(filter, now, opts)) for (const row of page) byId.set(row.id, row);
    }
    opts.signal?.throwIfAborted();
    const rows = [...byId.values()].sort(newestFirst);
    return rows.map((row) => JSON.parse(row.raw) as NostrEvent);
  }

  /** The rows of one filter, newest first, its limit applied, in pages of at most PAGE_SIZE rows. */
  private async *pages(filter: Filter, now: number, opts: QueryOptions): AsyncGenerator<PageRow[]> {
    const signal = opts.signal;
    let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
    let cursor: PageCursor | undefined;
    while (remaining > 0) {
      const pageSize = Math.min(remaining, PAGE_SIZE);
      const built = buildPageQuery(filter, { now, pageSize, cursor });
      if (!built) return;
      const rows = this.budgeted(opts.budget, () => this.run(built.sql, built.params)) as PageRow[];
      yield rows;
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || !last) return;
      remaining -= rows.length;
      cursor = { createdAt: last.created_at, id: last.id };
      // Let other connections' frames run between pages of a long scan.
      await nextTick();
      signal?.throwIfAborted();
    }
  }

  async count(filters: Filter[], opts: QueryOptions & { max?: number } = {}): Promise<number> {
    opts.signal?.throwIfAborted();
    const built = buildCountQuery(filters, opts.now ?? unixNow(), opts.max);
    if (!built) return 0;
    const row = this.budgeted(opts.budget, () => this.guard(() => this.prepared(built.sql).get(...built.params))) as { n: number };
    return row.n;
  }

  async has(id: string): Promise<boolean> {
    return this.guard(() => this.hasStmt.get(id) !== undefined);
  }

  async remove(ids: string[]): Promise<number> {
    return this.guard(() => this.removeTx(ids));
  }

  /**
   * Removes expired events in steps of PURGE_CHUNK, yielding between steps, and the expired
   * documents of the kv store, which lives in the same database. Returns the number of events.
   */
  async purgeExpired(now: number = unixNow()): Promise<number> {
    let total = 0;
    for (;;) {
      const n = this.guard(() => this.purgeStep(now));
      total += n;
      if (n < PURGE_CHUNK) break;
      await nextTick();
    }
    this.guard(() => this.purgeKv.run(now));
    return total;
  }

  async health(): Promise<void> {
    this.guard(() => this.db.prepare('SELECT count(*) FROM sqlite_master').get());
  }

  /** Closes the database shared with the kv store (the whole Storage). */
  async close(): Promise<void> {
    await this.closeDb();
  }

  /**
   * Runs one statement within `budget`: relay_examine() (in every query's WHERE, query-builder.ts)
   * counts the rows the plan visits and throws past the rows left or the statement's time, which
   * aborts the statement. The rows it examined are taken from the budget.
   */
  private budgeted<T>(budget: QueryBudget | undefined, fn: () => T): T {
    if (!budget) return fn();
    if (budget.rowsLeft <= 0) throw new QueryTooExpensiveError();
    this.current = { rowsLeft: budget.rowsLeft, deadline: performance.now() + budget.statementMs, calls: 0, exceeded: false };
    try {
      return fn();
    } catch (err) {
      if (this.current.exceeded) throw new QueryTooExpensiveError();
      throw err;
    } finally {
      budget.rowsLeft = this.current.rowsLeft;
      this.current = UNLIMITED;
    }
  }

  /** relay_examine(): one visited row; throws (aborting the statement) past the current budget. */
  private examine(): number {
    const c = this.current;
    if (c === UNLIMITED) return 1;
    c.rowsLeft--;
    // The clock is read every 256 rows: cheap, and fine-grained enough for a budget of milliseconds.
    if (c.rowsLeft < 0 || ((++c.calls & 255) === 0 && performance.now() > c.deadline)) {
      c.exceeded = true;
      throw new Error('query budget exceeded');
    }
    return 1;
  }

  private run(sql: string, params: (string | number)[]): unknown[] {
    return this.guard(() => this.prepared(sql).all(...params));
  }

  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Refresh its position so the cache evicts the least recently used shape.
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStorageError(err);
    }
  }
}
