import { isEmptyFilter, type Filter } from '../../nostr/filter.js';

/** A statement and its positional parameters. */
export type BuiltQuery = { sql: string; params: (string | number)[] };

/** Where a page of a newest-first scan stopped: the last row's created_at and id. */
export type PageCursor = { createdAt: number; id: string };

/** The row shape of a page query. */
export type PageRow = { id: string; created_at: number; raw: string };

type Parts = { from: string; at: string; where: string[]; params: (string | number)[] };

/**
 * The SQL function the store registers to count every row a query visits and stop it past its
 * budget (better-sqlite3 has no progress handler). Non-deterministic, so SQLite calls it per row.
 */
export const EXAMINE_FUNCTION = 'relay_examine';
const EXAMINE = `${EXAMINE_FUNCTION}()`;

function placeholders(n: number): string {
  return new Array<string>(n).fill('?').join(', ');
}

/**
 * The tag letter that drives the query through the tag index, when a filter has no ids and one of
 * its letters has a single value. With one value no event can appear twice, so the query can walk
 * tags(name, value, created_at) newest first and stop at the limit instead of sorting the whole
 * tag's events. Letters with several values are matched with a subquery (no duplicates either).
 */
function drivingLetter(filter: Filter): string | undefined {
  if (filter.ids || !filter.tags) return undefined;
  for (const [letter, values] of Object.entries(filter.tags)) if (values.length === 1) return letter;
  return undefined;
}

/** The FROM, WHERE and parameters shared by the page and count queries of one filter. */
function filterParts(filter: Filter, now: number): Parts {
  const driver = drivingLetter(filter);
  // EXAMINE first, so it runs for every row the plan visits (the store's query budget, event-store.ts).
  const parts: Parts = driver
    ? { from: 'tags t0 JOIN events e ON e.seq = t0.eid', at: 't0.created_at', where: [EXAMINE, 't0.name = ?', 't0.value = ?'], params: [driver] }
    : { from: 'events e', at: 'e.created_at', where: [EXAMINE], params: [] };
  if (driver) parts.params.push(filter.tags?.[driver]?.[0] as string);
  if (filter.ids) {
    parts.where.push(`e.id IN (${placeholders(filter.ids.length)})`);
    parts.params.push(...filter.ids);
  }
  if (filter.authors) {
    parts.where.push(`e.pubkey IN (${placeholders(filter.authors.length)})`);
    parts.params.push(...filter.authors);
  }
  if (filter.kinds) {
    parts.where.push(`e.kind IN (${placeholders(filter.kinds.length)})`);
    parts.params.push(...filter.kinds);
  }
  if (filter.since !== undefined) {
    parts.where.push(`${parts.at} >= ?`);
    parts.params.push(filter.since);
  }
  if (filter.until !== undefined) {
    parts.where.push(`${parts.at} <= ?`);
    parts.params.push(filter.until);
  }
  // Several letters are ANDed; the values of one letter are ORed (NIP-01).
  for (const [letter, values] of Object.entries(filter.tags ?? {})) {
    if (letter === driver) continue;
    parts.where.push(`e.seq IN (SELECT eid FROM tags WHERE ${EXAMINE} AND name = ? AND value IN (${placeholders(values.length)}))`);
    parts.params.push(letter, ...values);
  }
  // NIP-40: expired events are invisible even before purgeExpired removes them.
  parts.where.push('(e.expires_at IS NULL OR e.expires_at > ?)');
  parts.params.push(now);
  return parts;
}

/**
 * One page of a filter's matches, newest first with ties by lowest id (NIP-01), at most
 * `pageSize` rows, continuing after `cursor` (keyset pagination, so each page is an index seek
 * and the caller may yield to the event loop between pages). Returns undefined for a filter
 * that can match nothing.
 */
export function buildPageQuery(filter: Filter, opts: { now: number; pageSize: number; cursor?: PageCursor }): BuiltQuery | undefined {
  if (isEmptyFilter(filter)) return undefined;
  const pairs = authorKindPairs(filter);
  if (pairs) return mergedSeeks(pairs.map(([pubkey, kind]) => singlePageQuery({ ...filter, authors: [pubkey], kinds: [kind] }, opts)), opts.pageSize);
  return singlePageQuery(filter, opts);
}

/** Most (author, kind) pairs a filter is split into; beyond, one query (the planner's choice). */
export const MAX_SEEK_PAIRS = 32;

/**
 * The (author, kind) pairs of a filter driven by authors and several kinds (no ids, no tag):
 * SQLite would walk each author's whole history to avoid a sort (a KeyPackage lookup, kinds 443
 * and 30443, of an author of 10,000 notes read all 10,000), so each pair is sought on its own in
 * events_pubkey_kind_created, newest first, and the pages merged.
 */
function authorKindPairs(filter: Filter): [string, number][] | undefined {
  if (filter.ids || drivingLetter(filter) || !filter.authors || !filter.kinds || filter.kinds.length < 2) return undefined;
  if (filter.authors.length * filter.kinds.length > MAX_SEEK_PAIRS) return undefined;
  return filter.authors.flatMap((pubkey) => filter.kinds!.map((kind): [string, number] => [pubkey, kind]));
}

/**
 * The authors of a filter by authors alone (no ids, kinds or driving tag), few enough to seek by
 * kind: the runner looks up each author's kinds (NEXT_KIND_OF_AUTHOR) and reads the filter with
 * them as author × kind seeks, newest first, instead of sorting each author's whole history (the
 * only author index is events_pubkey_kind_created, schema.ts). Undefined for other filters.
 */
export function authorsAlone(filter: Filter): string[] | undefined {
  if (filter.ids || filter.kinds || drivingLetter(filter) || !filter.authors || filter.authors.length > MAX_SEEK_PAIRS) return undefined;
  return filter.authors;
}

/** The smallest kind of an author above a given one: one index seek (SQLite has no skip-scan without statistics). */
export const NEXT_KIND_OF_AUTHOR = 'SELECT kind FROM events WHERE pubkey = ? AND kind > ? ORDER BY kind LIMIT 1';

/** The newest `pageSize` rows of several page queries that match disjoint events, in page order. */
function mergedSeeks(queries: BuiltQuery[], pageSize: number): BuiltQuery {
  const arms = queries.map((q) => `SELECT * FROM (${q.sql})`);
  const sql = `SELECT id, created_at, raw FROM (${arms.join(' UNION ALL ')}) ORDER BY created_at DESC, id ASC LIMIT ?`;
  return { sql, params: [...queries.flatMap((q) => q.params), pageSize] };
}

function singlePageQuery(filter: Filter, opts: { now: number; pageSize: number; cursor?: PageCursor }): BuiltQuery {
  const { from, at, where, params } = filterParts(filter, opts.now);
  if (opts.cursor) {
    // Written as a range plus a tie-break so the created_at bound stays usable by the index.
    where.push(`${at} <= ?`, `(${at} < ? OR e.id > ?)`);
    params.push(opts.cursor.createdAt, opts.cursor.createdAt, opts.cursor.id);
  }
  params.push(opts.pageSize);
  const sql = `SELECT e.id AS id, ${at} AS created_at, e.raw AS raw FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${at} DESC, e.id ASC LIMIT ?`;
  return { sql, params };
}

/**
 * The number of distinct events matching any of the filters (NIP-45), at most `max` when given
 * (SQLite stops reading there). `limit` is ignored: a count says how many events match, not how
 * many one REQ would return. Returns undefined when no filter can match anything.
 */
export function buildCountQuery(filters: Filter[], now: number, max?: number): BuiltQuery | undefined {
  const selects: string[] = [];
  const params: (string | number)[] = [];
  for (const filter of filters) {
    // A limit of 0 matches nothing in a REQ but does not change what exists; count it without the limit.
    const { limit: _limit, ...unlimited } = filter;
    if (isEmptyFilter(unlimited)) continue;
    const parts = filterParts(unlimited, now);
    selects.push(`SELECT e.seq FROM ${parts.from} WHERE ${parts.where.join(' AND ')}`);
    params.push(...parts.params);
  }
  if (selects.length === 0) return undefined;
  // UNION (not UNION ALL) removes events matched by several filters.
  if (max === undefined) return { sql: `SELECT COUNT(*) AS n FROM (${selects.join(' UNION ')})`, params };
  return { sql: `SELECT COUNT(*) AS n FROM (${selects.join(' UNION ')} LIMIT ?)`, params: [...params, max] };
}
