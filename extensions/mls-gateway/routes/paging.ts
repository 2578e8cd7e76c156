import type { NostrEvent } from '../../../src/nostr/event.js';
import type { Filter } from '../../../src/nostr/filter.js';
import type { SessionContext } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { DEFAULT_PAGE, type PageRequest } from './schemas.js';

/** One page of events, newest first. */
export type EventPage = { events: NostrEvent[]; has_more: boolean; next_until?: number };

/**
 * Runs `filters` newest first with since/until and one more than `limit` per filter to learn
 * whether more remain, then applies the read gate. Page backwards by passing `next_until`
 * as `until`; the page boundary second may repeat, so clients de-duplicate by id.
 */
export async function queryPage(
  ctx: GatewayContext,
  filters: Filter[],
  page: PageRequest,
  reader: SessionContext,
  canRead: (ctx: SessionContext, ev: NostrEvent) => boolean,
): Promise<EventPage> {
  if (filters.length === 0) return { events: [], has_more: false };
  const limit = page.limit ?? DEFAULT_PAGE;
  const bounded = filters.map((f) => ({
    ...f,
    ...(page.since !== undefined ? { since: page.since } : {}),
    ...(page.until !== undefined ? { until: page.until } : {}),
    limit: limit + 1,
  }));
  const found = await ctx.events.query(bounded);
  const slice = found.slice(0, limit);
  const hasMore = found.length > limit;
  const events = slice.filter((ev) => canRead(reader, ev));
  if (!hasMore || slice.length === 0) return { events, has_more: hasMore };
  const oldest = (slice[slice.length - 1] as NostrEvent).created_at;
  const newest = (slice[0] as NostrEvent).created_at;
  // A page inside one second cannot make progress by repeating that second: step past it.
  return { events, has_more: true, next_until: newest === oldest ? oldest - 1 : oldest };
}
