import type { CollectionReference, Query, WhereFilterOp } from '@google-cloud/firestore';

/** One `where` clause of a shape; the value is supplied when the query is built. */
export type ShapeClause = { field: string; op: WhereFilterOp };

/**
 * The shape of a query the adapter sends: which fields it constrains and how, and its order.
 * Every Firestore query of this backend is built from one of QUERY_SHAPES by buildQuery, so this
 * list is the complete description that the index check (test/storage/firestore-indexes.test.ts)
 * compares with config/firestore.indexes.json. Optional clauses (a time range) do not change the
 * index a query needs: a range on the order field is served by the same index.
 */
export type QueryShape = {
  name: string;
  /** The collection group id (collection name without the configured prefix). */
  collectionGroup: string;
  where: readonly ShapeClause[];
  orderBy?: { field: string; direction: 'asc' | 'desc' };
};

const TIME_RANGE: readonly ShapeClause[] = [
  { field: 'created_at', op: '>=' },
  { field: 'created_at', op: '<=' },
];
const NEWEST_FIRST = { field: 'created_at', direction: 'desc' } as const;
/** `shard in [...]`: puts the non-sequential shard before a time in the index (see EVENT_SHARDS). */
const BY_SHARD: ShapeClause = { field: 'shard', op: 'in' };

/**
 * Fields of a collection whose values only grow (times). Their single-field indexes are exempted in
 * config/firestore.indexes.json (a sequential index range takes ~500 writes/s); every query that
 * orders or filters by one of them has an equality prefix on a non-sequential field, served by a
 * composite index (test/storage/firestore-indexes.test.ts checks both).
 */
export const SEQUENTIAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  events: ['created_at', 'stored_at', 'expires_at'],
  coords: ['created_at'],
};

/** Every query shape the Firestore backend issues. */
export const QUERY_SHAPES = {
  /** `#x` filters: one array-contains-any over `tag_keys` (at most 30 values per query). */
  eventsByTag: { name: 'eventsByTag', collectionGroup: 'events', where: [{ field: 'tag_keys', op: 'array-contains-any' }, ...TIME_RANGE], orderBy: NEWEST_FIRST },
  /** `authors` filters: `pubkey in` (at most 30 values per query). */
  eventsByAuthor: { name: 'eventsByAuthor', collectionGroup: 'events', where: [{ field: 'pubkey', op: 'in' }, ...TIME_RANGE], orderBy: NEWEST_FIRST },
  /** `kinds` filters: `kind in` (at most 30 values per query). */
  eventsByKind: { name: 'eventsByKind', collectionGroup: 'events', where: [{ field: 'kind', op: 'in' }, ...TIME_RANGE], orderBy: NEWEST_FIRST },
  /** Filters with no indexable field: a scan by time over every shard. */
  eventsByTime: { name: 'eventsByTime', collectionGroup: 'events', where: [BY_SHARD, ...TIME_RANGE], orderBy: NEWEST_FIRST },
  /** purgeExpired, over every shard. */
  eventsExpired: { name: 'eventsExpired', collectionGroup: 'events', where: [BY_SHARD, { field: 'expires_at', op: '<=' }] },
  /** watchRemote: events of some shards stored since the listener started (one listener per feed shard). */
  eventsStoredSince: { name: 'eventsStoredSince', collectionGroup: 'events', where: [BY_SHARD, { field: 'stored_at', op: '>=' }] },
  /** KeyValueStore.list, optionally by key prefix. */
  kvByKey: {
    name: 'kvByKey',
    collectionGroup: 'entries',
    where: [
      { field: 'key', op: '>=' },
      { field: 'key', op: '<' },
    ],
    orderBy: { field: 'key', direction: 'asc' },
  },
} as const satisfies Record<string, QueryShape>;

/** The name of a declared shape. */
export type ShapeName = keyof typeof QUERY_SHAPES;

/**
 * Builds a query of `shape` on `col`. `values` gives a value per clause index; a clause whose value
 * is undefined is left out (an open time range). No other constraint can be added, so a query
 * cannot drift from its declared shape.
 */
export function buildQuery(col: CollectionReference, shape: QueryShape, values: readonly unknown[]): Query {
  let q: Query = col;
  shape.where.forEach((clause, i) => {
    if (values[i] !== undefined) q = q.where(clause.field, clause.op, values[i]);
  });
  if (shape.orderBy) q = q.orderBy(shape.orderBy.field, shape.orderBy.direction);
  return q;
}
