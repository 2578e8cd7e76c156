/**
 * Reading stored events as one connection may see them, with the read gate applied before each
 * filter's `limit` (issue 14, item 2). A store query applies `limit` to every match; when a gate
 * then hides some of them (gift wraps addressed to someone else, a group's traffic for a
 * non-member), a client asking for N gets N − hidden back, and learns how many hidden events match
 * its filter — when they arrived, if it varies `until`. So a filter a gate may concern is read in
 * pages until it has `limit` readable events, the store has no more, or the request's scan budget
 * is spent (a bound on the work: past it the answer may be short).
 */
import { compareNewestFirst, type NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import type { RelayConfig } from '../../config/types.js';
import type { EventStore, QueryBudget, QueryOptions } from '../../storage/types.js';
import type { SessionContext } from '../hooks.js';
import type { CombinedReadGate } from './read-gate.js';

/** What a gated read needs. */
export type GatedReader = { store: Pick<EventStore, 'query'>; gate: CombinedReadGate };

/** Stored events a request may still look at, shared by its filters (the bound on a gated request's work). */
export type ScanBudget = { left: number };

/** Options of a gated read: the scan budget of gated filters, and the store's query budget (QueryOptions). */
export type GatedReadOptions = { signal?: AbortSignal; scan: ScanBudget; budget?: QueryBudget };

function storeOptions(opts: GatedReadOptions): QueryOptions {
  return { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.budget ? { budget: opts.budget } : {}) };
}

/** A fresh query budget for one REQ or COUNT, from `limits.query_max_rows_examined` and `limits.query_statement_max_ms`. */
export function queryBudget(config: Pick<RelayConfig, 'limits'>): QueryBudget {
  return { rowsLeft: config.limits.query_max_rows_examined, statementMs: config.limits.query_statement_max_ms };
}

/** Smallest page read for a gated filter, so a small `limit` does not cost many round trips. */
const MIN_PAGE = 50;

/**
 * The newest `want` events of one filter that `session` may read. Pages move down with `until`
 * (inclusive, so ids already seen are skipped); a page that brings nothing new — one second holding
 * more events than the page — is read again twice as large.
 */
export async function readFilterGated(
  reader: GatedReader,
  session: SessionContext,
  filter: Filter,
  want: number,
  opts: GatedReadOptions,
): Promise<NostrEvent[]> {
  if (want <= 0) return [];
  if (!reader.gate.mayGate([filter])) return reader.store.query([{ ...filter, limit: want }], storeOptions(opts));
  const out: NostrEvent[] = [];
  const seen = new Set<string>();
  let until = filter.until;
  let pageSize = Math.max(want, MIN_PAGE);
  for (;;) {
    const limit = Math.max(1, Math.min(pageSize, opts.scan.left));
    const page = await reader.store.query([{ ...filter, ...(until === undefined ? {} : { until }), limit }], storeOptions(opts));
    opts.scan.left -= page.length;
    let fresh = 0;
    for (const ev of page) {
      if (seen.has(ev.id)) continue;
      seen.add(ev.id);
      fresh++;
      if (reader.gate.canRead(session, ev)) out.push(ev);
    }
    const oldest = page[page.length - 1];
    if (out.length >= want || page.length < limit || opts.scan.left <= 0 || opts.signal?.aborted || !oldest) break;
    if (fresh === 0 || page[0]?.created_at === oldest.created_at) pageSize *= 2;
    until = oldest.created_at;
  }
  return out.slice(0, want);
}

/**
 * The events of `filters` that `session` may read, each filter limited to its `limit` readable
 * events (`defaultLimit` when it has none), as one newest-first list without duplicates.
 */
export async function readGated(
  reader: GatedReader,
  session: SessionContext,
  filters: Filter[],
  opts: GatedReadOptions & { defaultLimit: number },
): Promise<NostrEvent[]> {
  const byId = new Map<string, NostrEvent>();
  const gated = filters.filter((f) => reader.gate.mayGate([f]));
  const plain = filters.filter((f) => !reader.gate.mayGate([f]));
  // Filters no gate concerns keep the store's one multi-filter query.
  if (plain.length > 0) for (const ev of await reader.store.query(plain, storeOptions(opts))) byId.set(ev.id, ev);
  for (const f of gated) {
    if (opts.signal?.aborted) break;
    for (const ev of await readFilterGated(reader, session, f, f.limit ?? opts.defaultLimit, opts)) byId.set(ev.id, ev);
  }
  return [...byId.values()].sort(compareNewestFirst);
}
