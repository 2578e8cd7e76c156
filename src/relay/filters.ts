import type { Filter } from '../nostr/filter.js';
import { closedFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import { QueryTooExpensiveError } from '../storage/types.js';
import type { RelayContext } from './context.js';
import type { Session } from './session.js';

/** A subscription id: a non-empty string of at most `max` characters. */
export function checkSubId(subId: unknown, max: number): string | undefined {
  if (typeof subId !== 'string' || subId.length === 0) return 'subscription id must be a non-empty string';
  if (subId.length > max) return `subscription id is longer than ${max} characters`;
  return undefined;
}

/**
 * The subscription id echoed in the CLOSED frame that refuses a REQ or COUNT, whatever the reason.
 * A string id is echoed exactly as sent, however long or empty: a client matches CLOSED to its REQ
 * by the id, so a shortened echo would leave it waiting as a NOTICE does. A non-string id (NIP-01
 * ids are strings) is echoed as its JSON text, cut to `max` characters (empty when it cannot be
 * serialized).
 */
export function refusedSubId(subId: unknown, max: number): string {
  if (typeof subId === 'string') return subId;
  try {
    return String(JSON.stringify(subId) ?? '').slice(0, max);
  } catch {
    return ''; // nested too deep to serialize (a hostile id): nothing a client could match anyway
  }
}

/**
 * The common start of REQ and COUNT: counts the request, checks the subscription id and has the
 * core prepare the filters (bounds, rejectFilter, charges, narrowing). Every refusal is answered `CLOSED <id> <prefix>: ...` (NIP-01), an unusable id too
 * (echoed by refusedSubId). Resolves to the id and filters, or undefined when the client was already answered.
 */
export async function openRequest(
  ctx: RelayContext,
  session: Session,
  subId: unknown,
  rawFilters: unknown[],
  verb: 'REQ' | 'COUNT',
): Promise<{ id: string; filters: Filter[] } | undefined> {
  ctx.metrics.reqTotal.inc({ verb });
  const badId = checkSubId(subId, ctx.config.limits.max_subid_length);
  if (badId) {
    session.send(closedFrame(refusedSubId(subId, ctx.config.limits.max_subid_length), reason('invalid', badId)));
    return undefined;
  }
  const id = subId as string;
  const filters = await ctx.core.prepare(session, rawFilters, verb);
  if (!Array.isArray(filters)) {
    session.send(closedFrame(id, filters));
    return undefined;
  }
  return { id, filters };
}

/**
 * Answers a REQ or COUNT whose read failed with `CLOSED`: too expensive (the client's filters are at
 * fault: no error log, not a store error) or a store failure (logged, "try again").
 */
export function closeFailedRead(ctx: RelayContext, session: Session, subId: string, op: 'query' | 'count', err: unknown): void {
  if (err instanceof QueryTooExpensiveError) {
    ctx.metrics.storeOps.inc({ op, outcome: 'too_expensive' });
    session.send(closedFrame(subId, err.reason));
    return;
  }
  ctx.metrics.storeOps.inc({ op, outcome: 'error' });
  ctx.logger.error({ connId: session.connId, err: (err as Error).message }, `${op} failed`);
  session.send(closedFrame(subId, reason('error', op === 'query' ? 'could not run the query, try again' : 'could not count, try again')));
}
