import { closedFrame, countFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import { QueryTooExpensiveError } from '../storage/types.js';
import type { RelayContext } from './context.js';
import { openRequest } from './filters.js';
import type { Session } from './session.js';

/** NIP-45 COUNT: the core prepares the filters and counts what this connection may read. */
export async function handleCount(ctx: RelayContext, session: Session, subId: unknown, rawFilters: unknown[]): Promise<void> {
  const request = await openRequest(ctx, session, subId, rawFilters, 'COUNT');
  if (!request) return;
  const { id } = request;
  const end = ctx.metrics.storeOpDuration.startTimer({ op: 'count' });
  try {
    const { count, approximate } = await ctx.core.count(session, request.filters);
    session.send(countFrame(id, count, approximate));
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
