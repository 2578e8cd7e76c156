import type { NostrEvent } from './event.js';

/** A NIP-01 filter after validation. Tag filters are keyed by their letter (`#e` → `e`). */
export type Filter = {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  tags?: Record<string, string[]>;
  since?: number;
  until?: number;
  limit?: number;
  /**
   * NIP-50 query. This relay does not implement search: a filter carrying one matches nothing (REQ
   * answers EOSE with no events, COUNT 0, live events never match), as a relay without NIP-50 may,
   * and `supported_nips` does not list 50.
   */
  search?: string;
};

/** Limits applied while parsing a filter. */
export type FilterLimits = { maxLimit: number; maxValuesPerField: number };

const HEX64 = /^[0-9a-f]{64}$/;
const TAG_KEY = /^#[a-zA-Z]$/;

function stringList(value: unknown, field: string, max: number, hex: boolean): string[] | string {
  if (!Array.isArray(value)) return `${field} must be an array`;
  if (value.length > max) return `${field} has more than ${max} values`;
  for (const item of value) {
    if (typeof item !== 'string') return `${field} values must be strings`;
    if (hex && !HEX64.test(item)) return `${field} values must be 64 lowercase hex characters`;
    if (item.length > 1024) return `${field} values must be at most 1024 characters`;
  }
  return [...new Set(value as string[])];
}

function timestamp(value: unknown, field: string): number | string {
  if (!Number.isSafeInteger(value) || (value as number) < 0) return `${field} must be a non-negative integer`;
  return value as number;
}

/**
 * Parses one untrusted filter. Returns the filter or a reason (without prefix).
 * `limit` above `maxLimit` is clamped, as NIP-11 `max_limit` prescribes.
 */
export function parseFilter(value: unknown, limits: FilterLimits): Filter | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'filter must be an object';
  const out: Filter = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'ids' || key === 'authors') {
      const list = stringList(raw, key, limits.maxValuesPerField, true);
      if (typeof list === 'string') return list;
      out[key] = list;
    } else if (key === 'kinds') {
      if (!Array.isArray(raw)) return 'kinds must be an array';
      if (raw.length > limits.maxValuesPerField) return `kinds has more than ${limits.maxValuesPerField} values`;
      for (const k of raw) if (!Number.isInteger(k) || k < 0 || k > 65535) return 'kinds must be integers 0-65535';
      out.kinds = [...new Set(raw as number[])];
    } else if (key === 'since' || key === 'until') {
      const t = timestamp(raw, key);
      if (typeof t === 'string') return t;
      out[key] = t;
    } else if (key === 'limit') {
      if (!Number.isSafeInteger(raw) || (raw as number) < 0) return 'limit must be a non-negative integer';
      out.limit = Math.min(raw as number, limits.maxLimit);
    } else if (TAG_KEY.test(key)) {
      const list = stringList(raw, key, limits.maxValuesPerField, false);
      if (typeof list === 'string') return list;
      (out.tags ??= {})[key.slice(1)] = list;
    } else if (key === 'search') {
      if (typeof raw !== 'string') return 'search must be a string';
      out.search = raw.slice(0, 1024);
    } else {
      return `unknown filter field ${JSON.stringify(key.slice(0, 32))}`;
    }
  }
  return out;
}

/** True when the event matches the filter (limit is not considered). */
export function matchFilter(filter: Filter, ev: NostrEvent): boolean {
  if (filter.search !== undefined) return false;
  if (filter.ids && !filter.ids.includes(ev.id)) return false;
  if (filter.authors && !filter.authors.includes(ev.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(ev.kind)) return false;
  if (filter.since !== undefined && ev.created_at < filter.since) return false;
  if (filter.until !== undefined && ev.created_at > filter.until) return false;
  if (filter.tags) {
    for (const [letter, values] of Object.entries(filter.tags)) {
      let hit = false;
      for (const tag of ev.tags) {
        if (tag[0] === letter && tag[1] !== undefined && values.includes(tag[1])) {
          hit = true;
          break;
        }
      }
      if (!hit) return false;
    }
  }
  return true;
}

/** True when the event matches any filter. */
export function matchFilters(filters: Filter[], ev: NostrEvent): boolean {
  for (const f of filters) if (matchFilter(f, ev)) return true;
  return false;
}

/** True when a filter can match nothing (an empty list, since after until, limit 0, a NIP-50 search). */
export function isEmptyFilter(filter: Filter): boolean {
  if (filter.limit === 0 || filter.search !== undefined) return true;
  if (filter.ids?.length === 0 || filter.authors?.length === 0 || filter.kinds?.length === 0) return true;
  if (filter.tags && Object.values(filter.tags).some((v) => v.length === 0)) return true;
  return filter.since !== undefined && filter.until !== undefined && filter.since > filter.until;
}

/** How many values a filter lists: ids, authors, kinds and every `#x` together (the cost of its lookups). */
export function filterValueCount(filter: Filter): number {
  let n = (filter.ids?.length ?? 0) + (filter.authors?.length ?? 0) + (filter.kinds?.length ?? 0);
  for (const values of Object.values(filter.tags ?? {})) n += values.length;
  return n;
}

/**
 * Shares `budget` events among the filters of one request: when their limits add up to more, each
 * limit is scaled down in proportion (at least 1, so no filter is dropped). Limits must be set.
 * The caller still cuts the merged result at `budget`. Returns new filters; the input is not changed.
 */
export function shareLimits(filters: Filter[], budget: number): Filter[] {
  const total = filters.reduce((n, f) => n + (f.limit ?? 0), 0);
  if (total <= budget) return filters;
  return filters.map((f) => (f.limit ? { ...f, limit: Math.max(1, Math.floor((f.limit * budget) / total)) } : f));
}
