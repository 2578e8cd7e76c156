import { parseFilter, type Filter } from '../nostr/filter.js';
import { closedFrame, noticeFrame } from '../nostr/frames.js';
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
 * Parses the filters of a REQ or COUNT and runs the rejectFilter hooks. Filters without a
 * limit get `limits.default_limit` so no query is unbounded.
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
  const filters: Filter[] = [];
  for (const item of raw) {
    const parsed = parseFilter(item, { maxLimit: limits.max_limit, maxValuesPerField: limits.max_filter_values });
    if (typeof parsed === 'string') return reason('invalid', parsed);
    if (verb === 'REQ' && parsed.limit === undefined) parsed.limit = limits.default_limit;
    filters.push(parsed);
  }
  for (const hook of ctx.hooks.rejectFilter) {
    const decision = await hook(session, filters, verb);
    if (!decision.ok) return decision.reason;
  }
  return filters;
}

/**
 * The common start of REQ and COUNT: counts the request, checks the subscription id (a bad one
 * gets a NOTICE, as there is no id to close) and prepares the filters (a refusal gets CLOSED with
 * its prefix). Resolves to the id and filters, or undefined when the client was already answered.
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
    session.send(noticeFrame(`invalid: ${badId}`));
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
