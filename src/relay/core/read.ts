import type { NostrEvent } from '../../nostr/event.js';
import { isEmptyFilter, type Filter } from '../../nostr/filter.js';
import { serializeEvent } from '../../nostr/frames.js';
import type { QueryBudget } from '../../storage/types.js';
import { narrowResults, type SessionContext } from '../hooks.js';
import { queryBudget, readFilterGated, readGated } from './gated-read.js';
import type { CoreParts } from './parts.js';

/** Events sent per slice of a streamed query; between slices a CLOSE (abort) takes effect. */
const SLICE = 200;

/**
 * Runs the overwriteResults hooks over events about to be handed to `actor` (one-time KeyPackage
 * claims): a subset of `events` in the same order.
 */
export function handOut(parts: CoreParts, actor: SessionContext, filters: Filter[], events: NostrEvent[]): Promise<NostrEvent[]> {
  return narrowResults(parts.hooks.overwriteResults, actor, filters, events);
}

/** Runs one request's store reads with a fresh query budget, whose rows examined are charged to the member's query allowance. */
export function meteredRead<T>(parts: CoreParts, actor: SessionContext, read: (budget: QueryBudget) => Promise<T>): Promise<T> {
  return parts.queries.metered(actor, queryBudget(parts.config), read);
}

/**
 * The stored events of authorized filters `actor` may read, newest first: the read gate before each
 * filter's limit, the request's scan and query budgets, at most `limits.max_request_events`, then
 * handed out. Throws QueryTooExpensiveError when the store's budget is spent.
 */
export async function readStored(parts: CoreParts, actor: SessionContext, filters: Filter[], signal?: AbortSignal): Promise<NostrEvent[]> {
  const queryable = filters.filter((f) => !isEmptyFilter(f));
  if (queryable.length === 0) return [];
  const { limits } = parts.config;
  // Gated filters look at no more than max(max_count, max_request_events) stored events.
  const scan = { left: Math.max(limits.max_count, limits.max_request_events) };
  const events = await meteredRead(
    parts,
    actor,
    (budget) => readGated(parts, actor, queryable, { ...(signal ? { signal } : {}), scan, budget, defaultLimit: limits.default_limit }),
  );
  if (signal?.aborted) return [];
  // shareLimits kept the filters' limits within max_request_events, give or take one per filter.
  const readable = events.slice(0, limits.max_request_events).filter((ev) => parts.gate.canRead(actor, ev));
  return handOut(parts, actor, filters, readable);
}

/** Lets the event loop run other work (other connections' frames, a CLOSE for this query) before going on. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `readStored` as JSON texts in slices: a consumer sends each slice as it comes. Between slices the
 * event loop serves other connections, and a CLOSE that arrived meanwhile (`signal`) ends the stream.
 */
export async function* streamStored(parts: CoreParts, actor: SessionContext, filters: Filter[], signal?: AbortSignal): AsyncGenerator<string[]> {
  const events = await readStored(parts, actor, filters, signal);
  for (let i = 0; i < events.length; i += SLICE) {
    if (i > 0) await nextTurn();
    if (signal?.aborted) return;
    yield events.slice(i, i + SLICE).map(serializeEvent);
  }
}

/** What NIP-45 COUNT answers. */
export type CountResult = { count: number; approximate: boolean };

/**
 * Counts the events of `filters` this actor may read. Each filter counts up to its share of `max`
 * readable events (at least one), the gate applied before that share, and all filters together look
 * at no more than 2 × `max` stored events. Only what the actor may read decides `approximate`.
 */
async function countReadable(parts: CoreParts, actor: SessionContext, filters: Filter[], max: number): Promise<CountResult> {
  const share = Math.max(1, Math.floor(max / filters.length));
  const scan = { left: 2 * max };
  return meteredRead(parts, actor, async (budget) => {
    const seen = new Set<string>();
    let approximate = false;
    for (const filter of filters) {
      const readable = await readFilterGated(parts, actor, filter, share, { scan, budget });
      for (const ev of readable) seen.add(ev.id);
      if (readable.length >= share) approximate = true;
    }
    return { count: seen.size, approximate };
  });
}

/**
 * NIP-45 COUNT of authorized filters. When a read gate may hide some matching events, the events are
 * read and only the readable ones counted: a count must not reveal what a REQ would not. Either way
 * at most `limits.max_count` events are examined; a count reaching it is `approximate`.
 */
export async function countStored(parts: CoreParts, actor: SessionContext, filters: Filter[]): Promise<CountResult> {
  const queryable = filters.filter((f) => !isEmptyFilter(f));
  const max = parts.config.limits.max_count;
  if (queryable.length === 0) return { count: 0, approximate: false };
  if (parts.gate.mayGate(queryable)) return countReadable(parts, actor, queryable, max);
  const count = await meteredRead(parts, actor, (budget) => parts.store.count(queryable, { max, budget }));
  return { count, approximate: count >= max };
}
