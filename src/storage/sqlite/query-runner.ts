import type { Database, Statement } from 'better-sqlite3';
import type { Filter } from '../../nostr/filter.js';
import { QueryTooExpensiveError, type QueryBudget } from '../types.js';
import { guarded } from './errors.js';
import { authorsAlone, buildCountQuery, buildPageQuery, EXAMINE_FUNCTION, MAX_SEEK_PAIRS, NEXT_KIND_OF_AUTHOR, type PageCursor, type PageRow } from './query-builder.js';

/** Rows read per statement run; between pages the runner yields (and the caller may abort). */
export const PAGE_SIZE = 500;
/** Prepared statements kept for reuse; query shapes vary with the filter's fields and list lengths. */
const STATEMENT_CACHE_SIZE = 256;

/** NIP-01 order on rows: newest first, ties by lowest id (the same order as compareNewestFirst). */
function newestFirst(a: PageRow, b: PageRow): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How a read runs: `now` hides NIP-40 expired events; `budget` is decremented; `checkAborted` throws to stop between pages. */
export type RunOptions = { now: number; budget?: QueryBudget; checkAborted?: () => void };

type StatementBudget = { rowsLeft: number; deadline: number; calls: number; exceeded: boolean };
const UNLIMITED: StatementBudget = Object.freeze({ rowsLeft: Infinity, deadline: Infinity, calls: 0, exceeded: false }) as StatementBudget;

/**
 * The REQ and COUNT reads of the SQLite event store on one connection: on the relay's own connection
 * for in-memory databases, or on a reader thread's read-only connection (read-worker.ts). Returns the
 * stored JSON text (never parsed here), so a reader thread hands strings to the main thread.
 */
export class SqliteQueryRunner {
  /** The budget of the statement running now (better-sqlite3 runs one at a time); UNLIMITED otherwise. */
  private current: StatementBudget = UNLIMITED;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    db.function(EXAMINE_FUNCTION, { deterministic: false }, () => this.examine());
  }

  /**
   * Runs each filter separately (its own limit, NIP-01), page by page, then merges the results
   * without duplicates, newest first with ties by lowest id: the stored JSON of each event.
   */
  async query(filters: Filter[], opts: RunOptions): Promise<string[]> {
    const byId = new Map<string, PageRow>();
    for (const [i, filter] of filters.entries()) {
      opts.checkAborted?.();
      // Let other work run between filters, as between pages.
      if (i > 0) await nextTick();
      for await (const page of this.pages(filter, opts)) for (const row of page) byId.set(row.id, row);
    }
    opts.checkAborted?.();
    return [...byId.values()].sort(newestFirst).map((row) => row.raw);
  }

  /** Number of distinct events matching any filter, at most `max` when given. */
  count(filters: Filter[], opts: RunOptions & { max?: number }): number {
    opts.checkAborted?.();
    const built = buildCountQuery(filters, opts.now, opts.max);
    if (!built) return 0;
    const row = this.budgeted(opts.budget, () => guarded(() => this.prepared(built.sql).get(...built.params))) as { n: number };
    return row.n;
  }

  /** The rows of one filter, newest first, its limit applied, in pages of at most PAGE_SIZE rows. */
  private async *pages(asked: Filter, opts: RunOptions): AsyncGenerator<PageRow[]> {
    const filter = this.withAuthorKinds(asked, opts.budget);
    let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
    let cursor: PageCursor | undefined;
    while (remaining > 0) {
      const pageSize = Math.min(remaining, PAGE_SIZE);
      const built = buildPageQuery(filter, { now: opts.now, pageSize, cursor });
      if (!built) return;
      const rows = this.budgeted(opts.budget, () => guarded(() => this.prepared(built.sql).all(...built.params))) as PageRow[];
      yield rows;
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || !last) return;
      remaining -= rows.length;
      cursor = { createdAt: last.created_at, id: last.id };
      // Let other work (other queries of this thread, or the relay's frames) run between pages of a long scan.
      await nextTick();
      opts.checkAborted?.();
    }
  }

  /**
   * A filter by authors alone, with the kinds its authors have published (an author with none: `kinds: []`,
   * which matches nothing), so the builder seeks each (author, kind) pair; the filter unchanged when it is
   * not by authors alone or the pairs pass MAX_SEEK_PAIRS. Each kind found is one seek, taken from the budget.
   */
  private withAuthorKinds(filter: Filter, budget: QueryBudget | undefined): Filter {
    const authors = authorsAlone(filter);
    if (!authors) return filter;
    const next = this.prepared(NEXT_KIND_OF_AUTHOR);
    const kinds = new Set<number>();
    let pairs = 0;
    for (const author of authors) {
      for (let kind = -1; ; ) {
        const row = next.get(author, kind) as { kind: number } | undefined;
        if (!row) break;
        if (++pairs > MAX_SEEK_PAIRS) return filter;
        kind = row.kind;
        kinds.add(kind);
      }
    }
    if (budget) budget.rowsLeft -= pairs;
    return { ...filter, kinds: [...kinds] };
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

}
