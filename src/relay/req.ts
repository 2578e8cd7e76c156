import { closedFrame, eoseFrame, noticeFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { closeFailedRead, openRequest } from './filters.js';
import type { Session } from './session.js';

/** Closes a subscription of the session (CLOSE, replacement, or a relay decision): aborts its query, ends live delivery. */
export function removeSubscription(ctx: RelayContext, session: Session, subId: string): boolean {
  const sub = session.subs.get(subId);
  if (!sub) return false;
  sub.abort.abort();
  session.subs.delete(subId);
  ctx.core.unsubscribe(sub);
  return true;
}

/**
 * REQ: the core prepares the filters, the live subscription is registered first (so nothing
 * committed during the query is missed), then the core streams the stored matches, then EOSE.
 */
export async function handleReq(ctx: RelayContext, session: Session, subId: unknown, rawFilters: unknown[]): Promise<void> {
  // NIP-01: a REQ with an existing id replaces it, also when the new one is refused.
  if (typeof subId === 'string') removeSubscription(ctx, session, subId);
  const request = await openRequest(ctx, session, subId, rawFilters, 'REQ');
  // The connection may have closed while the request waited (the member's query allowance, a hook): its
  // subscriptions are already gone, and one filed now would stay in the live index for good.
  if (!request || session.closed) return;
  const { id, filters } = request;
  if (session.subs.size >= ctx.config.limits.max_subscriptions) {
    session.send(closedFrame(id, reason('rate-limited', `too many open subscriptions (max ${ctx.config.limits.max_subscriptions})`)));
    return;
  }
  const abort = new AbortController();
  session.subs.set(id, Object.assign(ctx.core.subscribe(session, id, filters), { abort }));
  const end = ctx.metrics.storeOpDuration.startTimer({ op: 'query' });
  try {
    for await (const slice of ctx.core.query(session, filters, { signal: abort.signal })) {
      for (const json of slice) session.deliver(id, json);
    }
  } catch (err) {
    end();
    if (abort.signal.aborted) return;
    removeSubscription(ctx, session, id);
    closeFailedRead(ctx, session, id, 'query', err);
    return;
  }
  end();
  ctx.metrics.storeOps.inc({ op: 'query', outcome: 'ok' });
  if (!abort.signal.aborted) session.send(eoseFrame(id));
}

/** CLOSE: ends a subscription. Unknown ids are ignored (NIP-01 sends nothing back). */
export function handleClose(ctx: RelayContext, session: Session, subId: unknown): void {
  if (typeof subId !== 'string') {
    session.send(noticeFrame('invalid: CLOSE needs a subscription id string'));
    return;
  }
  removeSubscription(ctx, session, subId);
}

/**
 * A CLOSE takes effect on a query already running as soon as it arrives, not after it (it is also
 * handled in order, which removes the subscription): the running query stops at its next slice.
 */
export function abortRunningQuery(session: Session, subId: unknown): void {
  if (typeof subId === 'string') session.subs.get(subId)?.abort.abort();
}
