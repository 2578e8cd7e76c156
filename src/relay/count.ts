import { isEmptyFilter } from '../nostr/filter.js';
import { closedFrame, countFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { openRequest } from './filters.js';
import type { Session } from './session.js';

/** The most events COUNT looks at when a read gate applies (the count is then a lower bound). */
export const MAX_GATED_COUNT_SCAN = 100_000;

/**
 * NIP-45 COUNT. When a read gate may hide some matching events, the events are read and only
 * the readable ones are counted: a count must not reveal what a REQ would not.
 */
export async function handleCount(ctx: RelayContext, session: Session, subId: unknown, rawFilters: unknown[]): Promise<void> {
  const request = await openRequest(ctx, session, subId, rawFilters, 'COUNT');
  if (!request) return;
  const { id } = request;
  const filters = request.filters.filter((f) => !isEmptyFilter(f));
  const end = ctx.metrics.storeOpDuration.startTimer({ op: 'count' });
  try {
    let n = 0;
    if (filters.length === 0) {
      // nothing can match
    } else if (ctx.gate.mayGate(filters)) {
      const scan = filters.map((f) => ({ ...f, limit: Math.min(f.limit ?? MAX_GATED_COUNT_SCAN, MAX_GATED_COUNT_SCAN) }));
      for (const ev of await ctx.store.query(scan)) if (ctx.gate.canRead(session, ev)) n++;
    } else {
      n = await ctx.store.count(filters);
    }
    session.send(countFrame(id, n));
  } catch (err) {
    ctx.logger.error({ connId: session.connId, err: (err as Error).message }, 'count failed');
    session.send(closedFrame(id, reason('error', 'could not count, try again')));
  } finally {
    end();
  }
}
