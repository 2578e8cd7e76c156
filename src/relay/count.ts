import { isEmptyFilter } from '../nostr/filter.js';
import { closedFrame, countFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { openRequest } from './filters.js';
import type { Session } from './session.js';

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
      const events = await ctx.store.query(filters.map((f) => ({ ...f, limit: max })));
      for (const ev of events.slice(0, max)) if (ctx.gate.canRead(session, ev)) n++;
      // Only what this connection may read decides the flag: that unreadable events filled the scan must not show.
      approximate = n >= max;
    } else {
      n = await ctx.store.count(filters, { max });
      approximate = n >= max;
    }
    session.send(countFrame(id, n, approximate));
  } catch (err) {
    ctx.logger.error({ connId: session.connId, err: (err as Error).message }, 'count failed');
    session.send(closedFrame(id, reason('error', 'could not count, try again')));
  } finally {
    end();
  }
}
