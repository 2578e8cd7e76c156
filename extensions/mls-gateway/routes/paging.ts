import { compareNewestFirst, type NostrEvent } from '../../../src/nostr/event.js';
import type { Filter } from '../../../src/nostr/filter.js';
import type { SessionContext } from '../../../src/relay/hooks.js';
import { authorizeRead, type RouteDeps } from './route-deps.js';
import { DEFAULT_PAGE, type PageRequest } from './schemas.js';

/**
 * One page of events, newest first. `next_cursor` continues exactly after the page's last event;
 * `next_until` is the older, second-granular hint (kept for clients written before the cursor).
 */
export type EventPage = { events: NostrEvent[]; has_more: boolean; next_cursor?: string; next_until?: number };

/**
 * A keyset position in the store's order (created_at descending, then id ascending): after the
 * event (`createdAt`, `id`). `seen` counts the events of that second up to and including `id`, so
 * the next read knows how many of that second to read past.
 */
export type Cursor = { createdAt: number; id: string; seen: number };

/** The cursor as a string: `<created_at>:<id>:<seen>` (opaque to clients; schemas.ts checks its shape). */
export function encodeCursor(c: Cursor): string {
  return `${c.createdAt}:${c.id}:${c.seen}`;
}

/** The inverse of encodeCursor (the shape was validated by the route's schema). */
export function decodeCursor(text: string): Cursor {
  const [createdAt, id, seen] = text.split(':');
  return { createdAt: Number(createdAt), id: id as string, seen: Number(seen) };
}

/** True when `ev` comes at or before the cursor in the store's order. */
function atOrBefore(ev: NostrEvent, c: Cursor): boolean {
  return ev.created_at > c.createdAt || (ev.created_at === c.createdAt && ev.id <= c.id);
}

/**
 * Runs `filters` as `reader` through the core's read pipeline — authorized (rejectFilter, charges,
 * narrowing), the read gate before each filter's limit, handed out (overwriteResults) — newest
 * first, from `page.cursor` (else `page.until`) back to `page.since`, one page of `page.limit`.
 * Every filter reads `limit + 1` readable events past the cursor (so `has_more` is exact), plus the
 * events of the cursor's second it already passed; those, and anything at or before the cursor, are
 * dropped here. No event between two pages is skipped, however many share a second.
 */
export async function queryPage(deps: RouteDeps, reader: SessionContext, asked: Filter[], page: PageRequest): Promise<EventPage> {
  const filters = await authorizeRead(deps, reader, asked);
  if (filters.length === 0) return { events: [], has_more: false };
  const limit = page.limit ?? DEFAULT_PAGE;
  const after = page.cursor !== undefined ? decodeCursor(page.cursor) : undefined;
  const until = after?.createdAt ?? page.until;
  const perFilter = limit + 1 + (after?.seen ?? 0);
  const bounded = filters.map((f) => ({
    ...f,
    ...(page.since !== undefined ? { since: page.since } : {}),
    ...(until !== undefined ? { until } : {}),
    limit: perFilter,
  }));
  // One query per filter, so a filter that filled its limit is known (more may lie past it).
  const results = await Promise.all(bounded.map((f) => deps.reads.readFilter(reader, f, perFilter)));
  const full = results.some((r) => r.length >= perFilter);
  const fetched = [...new Map(results.flat().map((ev) => [ev.id, ev])).values()].sort(compareNewestFirst);
  const rest = after ? fetched.filter((ev) => !atOrBefore(ev, after)) : fetched;
  const slice = rest.slice(0, limit);
  const hasMore = rest.length > limit || full;
  const events = await deps.reads.handOut(reader, filters, slice);
  if (!hasMore) return { events, has_more: false };
  // The last event handed out (or, for an empty page, the old cursor): how many of its second are passed.
  const last = slice[slice.length - 1];
  const at: Cursor = last ? { createdAt: last.created_at, id: last.id, seen: 0 } : (after as Cursor);
  at.seen = fetched.filter((ev) => ev.created_at === at.createdAt && ev.id <= at.id).length;
  const legacy = last ? ((slice[0] as NostrEvent).created_at === last.created_at ? last.created_at - 1 : last.created_at) : undefined;
  return { events, has_more: true, next_cursor: encodeCursor(at), ...(legacy !== undefined ? { next_until: legacy } : {}) };
}
