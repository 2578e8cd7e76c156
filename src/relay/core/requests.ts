import { filterValueCount, parseFilter, shareLimits, type Filter } from '../../nostr/filter.js';
import { reason, type Reason } from '../../nostr/reasons.js';
import type { SessionContext } from '../hooks.js';
import type { CoreParts } from './parts.js';

export type Verb = 'REQ' | 'COUNT';

/**
 * Parses the JSON filters of a REQ or COUNT within the request bounds: `limits.max_filters`, values
 * per filter and per request (`limits.max_filter_values_per_request`) and, for a REQ, its events:
 * filters without a limit get `limits.default_limit`, and limits adding up to more than
 * `limits.max_request_events` are scaled down to share it (shareLimits).
 */
export function parseFilters(parts: CoreParts, raw: unknown[], verb: Verb): Filter[] | Reason {
  const limits = parts.config.limits;
  if (raw.length === 0) return reason('invalid', `${verb} needs at least one filter`);
  if (raw.length > limits.max_filters) return reason('invalid', `too many filters (max ${limits.max_filters})`);
  const filters: Filter[] = [];
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
  return verb === 'REQ' ? shareLimits(filters, limits.max_request_events) : filters;
}

/**
 * Who may read with these filters: the rejectFilter hooks (pure), then the chargeRequest hooks
 * (request rate), then the member's query allowance (QueryAllowance: may wait), then the
 * overwriteFilters hooks, which may narrow them — what they return is what is read and kept live.
 * Every transport's reads pass here (WebSocket REQ/COUNT, REST).
 */
export async function authorizeFilters(parts: CoreParts, actor: SessionContext, filters: Filter[], verb: Verb): Promise<Filter[] | Reason> {
  for (const hook of parts.hooks.rejectFilter) {
    const decision = await hook(actor, filters, verb);
    if (!decision.ok) return decision.reason;
  }
  for (const charge of parts.hooks.chargeRequest) {
    const decision = charge(actor, verb);
    if (!decision.ok) return decision.reason;
  }
  // Last, so a refused request costs nothing; may wait while the member's earlier requests are paid back.
  const unaffordable = await parts.queries.admit(actor, filters.reduce((n, f) => n + filterValueCount(f), 0));
  if (unaffordable) return unaffordable;
  let narrowed = filters;
  for (const hook of parts.hooks.overwriteFilters) narrowed = hook(actor, narrowed, verb);
  return narrowed;
}
