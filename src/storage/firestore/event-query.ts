import type { CollectionReference, Query, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { compareNewestFirst, type NostrEvent } from '../../nostr/event.js';
import { isEmptyFilter, matchFilter, type Filter } from '../../nostr/filter.js';
import { ALL_EVENT_SHARDS, fromDocData, isExpired } from './event-doc.js';
import { buildQuery, QUERY_SHAPES, type QueryShape } from './query-shapes.js';

/** Firestore accepts at most 30 values in one `in` / `array-contains-any`. */
export const MAX_DISJUNCTION = 30;
/** Largest page read at once; pages keep memory bounded while the in-memory filter rejects documents. */
export const MAX_PAGE = 500;
const MAX_GET_ALL = 100;

/**
 * How one filter is served: by document ids, or by queries of one shape, one per chunk of at most
 * 30 values of the single indexed field; everything else in the filter is checked in memory.
 * Each chunk holds the values of the shape's clauses before its time range.
 */
export type FilterPlan =
  | { type: 'none' }
  | { type: 'ids'; ids: string[] }
  | { type: 'query'; shape: QueryShape; chunks: unknown[][] };

function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/**
 * Picks the indexed field of a filter: ids, else the tag letter with the fewest values, else
 * authors, else kinds, else a time scan. The choice prefers the field most likely to be selective.
 */
export function planFilter(filter: Filter): FilterPlan {
  if (isEmptyFilter(filter)) return { type: 'none' };
  if (filter.ids) return { type: 'ids', ids: filter.ids };
  const tagEntries = Object.entries(filter.tags ?? {}).sort((a, b) => a[1].length - b[1].length);
  const [letter, tagValues] = tagEntries[0] ?? [];
  if (letter !== undefined && tagValues !== undefined) {
    const keys = tagValues.map((v) => `${letter}:${v}`);
    return { type: 'query', shape: QUERY_SHAPES.eventsByTag, chunks: chunk(keys, MAX_DISJUNCTION).map((c) => [c]) };
  }
  if (filter.authors) return { type: 'query', shape: QUERY_SHAPES.eventsByAuthor, chunks: chunk(filter.authors, MAX_DISJUNCTION).map((c) => [c]) };
  if (filter.kinds) return { type: 'query', shape: QUERY_SHAPES.eventsByKind, chunks: chunk(filter.kinds, MAX_DISJUNCTION).map((c) => [c]) };
  return { type: 'query', shape: QUERY_SHAPES.eventsByTime, chunks: [[ALL_EVENT_SHARDS]] };
}

type ReadContext = { col: CollectionReference; now: number; signal?: AbortSignal };

function keep(filter: Filter, ev: NostrEvent | undefined, now: number): ev is NostrEvent {
  return ev !== undefined && matchFilter(filter, ev) && !isExpired(ev, now);
}

/**
 * Reads a query page by page, newest first, until `limit` matches are found. Firestore orders ties
 * by document id descending while NIP-01 wants the lowest id first, so reading goes on through the
 * whole created_at of the limit-th match; the caller sorts and cuts.
 */
async function collectPaged(base: Query, filter: Filter, ctx: ReadContext): Promise<NostrEvent[]> {
  const out: NostrEvent[] = [];
  const limit = filter.limit;
  let boundary: number | undefined;
  let cursor: QueryDocumentSnapshot | undefined;
  let pageSize = Math.min(MAX_PAGE, Math.max(10, limit ?? MAX_PAGE));
  for (;;) {
    ctx.signal?.throwIfAborted();
    let q = base.limit(pageSize);
    if (cursor) q = q.startAfter(cursor);
    const snap = await q.get();
    for (const doc of snap.docs) {
      const ev = fromDocData(doc.data());
      if (boundary !== undefined && (ev === undefined || ev.created_at < boundary)) return out;
      if (!keep(filter, ev, ctx.now)) continue;
      out.push(ev);
      if (limit !== undefined && out.length === limit) boundary = ev.created_at;
    }
    if (snap.size < pageSize) return out;
    cursor = snap.docs[snap.docs.length - 1];
    pageSize = Math.min(MAX_PAGE, pageSize * 2);
  }
}

async function readIds(ids: string[], filter: Filter, ctx: ReadContext): Promise<NostrEvent[]> {
  const out: NostrEvent[] = [];
  for (const part of chunk(ids, MAX_GET_ALL)) {
    ctx.signal?.throwIfAborted();
    const snaps = await ctx.col.firestore.getAll(...part.map((id) => ctx.col.doc(id)));
    for (const snap of snaps) {
      const ev = fromDocData(snap.data());
      if (keep(filter, ev, ctx.now)) out.push(ev);
    }
  }
  return out;
}

/** The events matching one filter, newest first, its limit applied. */
export async function queryFilter(filter: Filter, ctx: ReadContext): Promise<NostrEvent[]> {
  const plan = planFilter(filter);
  let found: NostrEvent[];
  if (plan.type === 'none') return [];
  if (plan.type === 'ids') found = await readIds(plan.ids, filter, ctx);
  else {
    const parts = await Promise.all(
      plan.chunks.map((values) => {
        const q = buildQuery(ctx.col, plan.shape, [...values, filter.since, filter.until]);
        return collectPaged(q, filter, ctx);
      }),
    );
    // Several chunks can return the same event (an event tagged with values from two chunks).
    found = [...new Map(parts.flat().map((ev) => [ev.id, ev])).values()];
  }
  found.sort(compareNewestFirst);
  return filter.limit === undefined ? found : found.slice(0, filter.limit);
}

/** The events matching any filter, newest first, deduplicated. */
export async function queryFilters(filters: Filter[], ctx: ReadContext): Promise<NostrEvent[]> {
  const results = await Promise.all(filters.map((f) => queryFilter(f, ctx)));
  const byId = new Map<string, NostrEvent>();
  for (const list of results) for (const ev of list) byId.set(ev.id, ev);
  return [...byId.values()].sort(compareNewestFirst);
}
