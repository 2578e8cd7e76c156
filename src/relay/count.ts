import { countFrame } from '../nostr/frames.js';
import type { RelayContext } from './context.js';
import { closeFailedRead, openRequest } from './filters.js';
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
    closeFailedRead(ctx, session, id, 'count', err);
  } finally {
    end();
  }
}
