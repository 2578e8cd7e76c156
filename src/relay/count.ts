import { isEmptyFilter, type Filter } from '../nostr/filter.js';
import { closedFrame, countFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { openRequest } from './filters.js';
import { QueryTooExpensiveError } from '../storage/types.js';
import { queryBudget, readFilterGated } from './gated-read.js';
import type { Session } from './session.js';

/**
 * Counts the events of `filters` this connection may read. Each filter counts up to its share of
 * `max` readable events (at least one), the gate applied before that share (readFilterGated), and
 * all filters together look at no more than 2 × `max` stored events. Only what the connection may
 * read decides `approximate` (a filter whose readable events filled its share): that unreadable
 * events filled a scan must not show.
 */
async function countReadable(ctx: RelayContext, session: Session, filters: Filter[], max: number) {
  const share = Math.max(1, Math.floor(max / filters.length));
  const scan = { left: 2 * max };
  const budget = queryBudget(ctx.config);
  const seen = new Set<string>();
  let approximate = false;
  for (const filter of filters) {
    const readable = await readFilterGated(ctx, session, filter, share, { scan, budget });
    for (const ev of readable) seen.add(ev.id);
    if (readable.length >= share) approximate = true;
  }
  return { n: seen.size, approximate };
}

/**
 * NIP-45 COUNT. When a read gate may hide some matching events, the events are read and only
 * the readable ones are counted: a count must not reveal what a REQ would not. Either way at most
 * `limits.max_count` events are examined, so a COUNT costs the event loop a bounded amount of work
 * however large the store; a count that reaches the bound is answered with `approximate: true`.
 * (Behind a gate, once more than max_count events match, the count is a lower bound.)
 */
export async function handleCount(ctx: RelayContext, session: Session, subId: unknown, rawFilters: unknown[]): Promise<void> {
  const request = await openRequest(ctx, session, subId, rawFilters, 'COUNT');
  if (!request) return;
  const { id } = request;
  const filters = request.filters.filter((f) => !isEmptyFilter(f));
  const max = ctx.config.limits.max_count;
  const end = ctx.metrics.storeOpDuration.startTimer({ op: 'count' });
  try {
    let n = 0;
    let approximate = false;
    if (filters.length === 0) {
      // nothing can match
    } else if (ctx.gate.mayGate(filters)) {
      ({ n, approximate } = await countReadable(ctx, session, filters, max));
    } else {
      n = await ctx.store.count(filters, { max, budget: queryBudget(ctx.config) });
      approximate = n >= max;
    }
    session.send(countFrame(id, n, approximate));
    ctx.metrics.storeOps.inc({ op: 'count', outcome: 'ok' });
  } catch (err) {
    if (err instanceof QueryTooExpensiveError) {
      ctx.metrics.storeOps.inc({ op: 'count', outcome: 'too_expensive' });
      session.send(closedFrame(id, err.reason));
      return;
    }
    ctx.metrics.storeOps.inc({ op: 'count', outcome: 'error' });
    ctx.logger.error({ connId: session.connId, err: (err as Error).message }, 'count failed');
    session.send(closedFrame(id, reason('error', 'could not count, try again')));
  } finally {
    end();
  }
}
