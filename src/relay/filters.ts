import { filterValueCount, parseFilter, shareLimits, type Filter } from '../nostr/filter.js';
import { closedFrame } from '../nostr/frames.js';
import { reason, type Reason } from '../nostr/reasons.js';
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
 * Parses the filters of a REQ or COUNT, runs the rejectFilter hooks, then the overwriteFilters hooks
 * (which may narrow them: what they return is what is read and kept live). The request's cost is
 * bounded by its values (`limits.max_filter_values_per_request`) and, for a REQ, by its events:
 * filters without a limit get `limits.default_limit`, and limits adding up to more than
 * `limits.max_request_events` are scaled down to share it (shareLimits).
 */
export async function prepareFilters(
  ctx: RelayContext,
  session: Session,
  raw: unknown[],
  verb: 'REQ' | 'COUNT',
): Promise<Filter[] | Reason> {
  const limits = ctx.config.limits;
  if (raw.length === 0) return reason('invalid', `${verb} needs at least one filter`);
  if (raw.length > limits.max_filters) return reason('invalid', `too many filters (max ${limits.max_filters})`);
  let filters: Filter[] = [];
  let values = 0;
  for (const item of raw) {
    const parsed = parseFilter(item, { maxLimit: limits.max_limit, maxValuesPerField: limits.max_filter_values });
    if (typeof parsed === 'string') return reason('invalid', parsed);
    values += filterValueCount(parsed);
    if (values > limits.max_filter_values_per_request) {
      return reason('invalid', `too many filter values (max ${limits.max_filter_values_per_request} in one ${verb}, all filters together)`);
    }
    if (verb === 'REQ' && parsed.limit === undefined) parsed.limit = limits.default_limit;
    filters.push(parsed);
  }
  if (verb === 'REQ') filters = shareLimits(filters, limits.max_request_events);
  for (const hook of ctx.hooks.rejectFilter) {
    const decision = await hook(session, filters, verb);
    if (!decision.ok) return decision.reason;
  }
  for (const hook of ctx.hooks.overwriteFilters) filters = hook(session, filters, verb);
  return filters;
}

/**
 * The common start of REQ and COUNT: counts the request, checks the subscription id and prepares
 * the filters. Every refusal is answered `CLOSED <id> <prefix>: ...` (NIP-01), an unusable id too
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
  const filters = await prepareFilters(ctx, session, rawFilters, verb);
  if (!Array.isArray(filters)) {
    session.send(closedFrame(id, filters));
    return undefined;
  }
  return { id, filters };
}
