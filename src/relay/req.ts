import { isEmptyFilter } from '../nostr/filter.js';
import { closedFrame, eoseFrame, eventFrame, noticeFrame, serializeEvent } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { openRequest } from './filters.js';
import { QueryTooExpensiveError } from '../storage/types.js';
import { queryBudget, readGated } from './gated-read.js';
import type { Session } from './session.js';

/** Closes a subscription of the session (CLOSE, replacement, or a relay decision). */
export function removeSubscription(ctx: RelayContext, session: Session, subId: string): boolean {
  const sub = session.subs.get(subId);
  if (!sub) return false;
  sub.abort.abort();
  session.subs.delete(subId);
  ctx.live.index.remove(sub);
  ctx.metrics.subscriptionsActive.dec();
  return true;
}

/**
 * REQ: registers the live subscription first (so nothing committed during the query is missed),
 * then streams stored matches through the read gate, then EOSE.
 */
export async function handleReq(ctx: RelayContext, session: Session, subId: unknown, rawFilters: unknown[]): Promise<void> {
  // NIP-01: a REQ with an existing id replaces it, also when the new one is refused.
  if (typeof subId === 'string') removeSubscription(ctx, session, subId);
  const request = await openRequest(ctx, session, subId, rawFilters, 'REQ');
  if (!request) return;
  const { id, filters } = request;
  if (session.subs.size >= ctx.config.limits.max_subscriptions) {
    session.send(closedFrame(id, reason('rate-limited', `too many open subscriptions (max ${ctx.config.limits.max_subscriptions})`)));
    return;
  }
  const sub = { session, subId: id, filters, abort: new AbortController() };
  session.subs.set(id, sub);
  ctx.live.index.add(sub);
  ctx.metrics.subscriptionsActive.inc();

  const queryable = filters.filter((f) => !isEmptyFilter(f));
  if (queryable.length > 0) {
    const end = ctx.metrics.storeOpDuration.startTimer({ op: 'query' });
    let events;
    try {
      // The gate before each filter's limit; gated filters look at no more than max(max_count, max_request_events) stored events.
      const scan = { left: Math.max(ctx.config.limits.max_count, ctx.config.limits.max_request_events) };
      const budget = queryBudget(ctx.config);
      events = await readGated(ctx, session, queryable, { signal: sub.abort.signal, scan, budget, defaultLimit: ctx.config.limits.default_limit });
    } catch (err) {
      end();
      if (sub.abort.signal.aborted) return;
      removeSubscription(ctx, session, id);
      if (err instanceof QueryTooExpensiveError) {
        // The client's filters, not the store, are at fault: no error log, not a store error.
        ctx.metrics.storeOps.inc({ op: 'query', outcome: 'too_expensive' });
        session.send(closedFrame(id, err.reason));
        return;
      }
      ctx.metrics.storeOps.inc({ op: 'query', outcome: 'error' });
      ctx.logger.error({ connId: session.connId, err: (err as Error).message }, 'query failed');
      session.send(closedFrame(id, reason('error', 'could not run the query, try again')));
      return;
    }
    end();
    ctx.metrics.storeOps.inc({ op: 'query', outcome: 'ok' });
    if (sub.abort.signal.aborted) return;
    // shareLimits kept the filters' limits within max_request_events, give or take one per filter.
    let readable = events.slice(0, ctx.config.limits.max_request_events).filter((ev) => ctx.gate.canRead(session, ev));
    for (const hook of ctx.hooks.overwriteResults) readable = await hook(session, filters, readable);
    if (sub.abort.signal.aborted) return;
    for (const ev of readable) session.send(eventFrame(id, serializeEvent(ev)));
  }
  if (!sub.abort.signal.aborted) session.send(eoseFrame(id));
}

/** CLOSE: ends a subscription. Unknown ids are ignored (NIP-01 sends nothing back). */
export function handleClose(ctx: RelayContext, session: Session, subId: unknown): void {
  if (typeof subId !== 'string') {
    session.send(noticeFrame('invalid: CLOSE needs a subscription id string'));
    return;
  }
  removeSubscription(ctx, session, subId);
}
