import { serializeEvent } from '../../nostr/frames.js';
import { Timestamp, FieldValue } from '@google-cloud/firestore';
import { firstTagValue, type NostrEvent } from '../../nostr/event.js';

/**
 * An event as stored in the events collection, keyed by event id. Tags cannot be nested arrays in
 * Firestore: the full event (tags included) is kept as the JSON string `raw`, and `tag_keys` holds
 * `"<letter>:<value>"` for every single-letter tag, which is what `#x` filters need to index.
 * A tombstone (NIP-09) shares the id but has only `deleted_by`, so it never matches a query that
 * orders by created_at.
 */
export type EventDoc = {
  pubkey: string;
  kind: number;
  created_at: number;
  d: string;
  tag_keys: string[];
  raw: string;
  /** NIP-40 expiration, for the Firestore TTL policy and purgeExpired. */
  expires_at?: Timestamp;
  stored_at: FieldValue;
  /** eventShard(id): the non-sequential prefix of the time indexes and the live feed's partition. */
  shard: number;
  /** The instance that stored it, so its own watcher can skip it. */
  instance?: string;
};

/** A NIP-09 tombstone: the pubkeys whose deletion request removed (or pre-empted) this id. */
export type TombstoneDoc = { deleted_by: string[] };

/**
 * Events fall into EVENT_SHARDS shards by the first hex digit of their (random) id. Every index on a
 * time that only grows (`created_at`, `stored_at`, `expires_at`) is a composite index after `shard`,
 * so new entries land in 16 places instead of one (Firestore's ~500 writes/s ceiling per sequential
 * index range), and the live feed can listen to shards separately.
 */
export const EVENT_SHARDS = 16;

/** Every shard value, for a query over the whole collection (`shard in [...]`). */
export const ALL_EVENT_SHARDS: readonly number[] = Array.from({ length: EVENT_SHARDS }, (_, i) => i);

/** The shard of an event id (0..15). */
export function eventShard(id: string): number {
  const digit = Number.parseInt(id.charAt(0), 16);
  return Number.isNaN(digit) ? 0 : digit;
}

/** The NIP-40 expiration of an event in unix seconds, if it has a valid one. */
export function expirationOf(ev: Pick<NostrEvent, 'tags'>): number | undefined {
  const value = firstTagValue(ev, 'expiration');
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** True when the event's NIP-40 expiration has passed at `now` (unix seconds). */
export function isExpired(ev: Pick<NostrEvent, 'tags'>, now: number): boolean {
  const exp = expirationOf(ev);
  return exp !== undefined && exp <= now;
}

/**
 * Filters cannot ask for tag values longer than this (src/nostr/filter.ts), and Firestore refuses
 * writes with an index entry over 7.5 KiB: longer values are kept in `raw` but not indexed.
 */
export const MAX_INDEXED_TAG_VALUE = 1024;

/** The indexable keys of single-letter tags, deduplicated. */
export function tagKeysOf(ev: Pick<NostrEvent, 'tags'>): string[] {
  const keys = new Set<string>();
  for (const tag of ev.tags) {
    const [name, value] = tag;
    if (name === undefined || value === undefined || value.length > MAX_INDEXED_TAG_VALUE) continue;
    if (/^[a-zA-Z]$/.test(name)) keys.add(`${name}:${value}`);
  }
  return [...keys];
}

/** The document of an event. */
export function toEventDoc(ev: NostrEvent, instance: string | undefined): EventDoc {
  const doc: EventDoc = {
    pubkey: ev.pubkey,
    kind: ev.kind,
    created_at: ev.created_at,
    d: firstTagValue(ev, 'd') ?? '',
    tag_keys: tagKeysOf(ev),
    raw: serializeEvent(ev),
    stored_at: FieldValue.serverTimestamp(),
    shard: eventShard(ev.id),
  };
  const exp = expirationOf(ev);
  if (exp !== undefined) doc.expires_at = Timestamp.fromMillis(Math.min(exp, 253402300799) * 1000);
  if (instance !== undefined) doc.instance = instance;
  return doc;
}

/** The event of a stored document, or undefined for tombstones and foreign documents. */
export function fromDocData(data: Record<string, unknown> | undefined): NostrEvent | undefined {
  if (!data || typeof data.raw !== 'string') return undefined;
  return JSON.parse(data.raw) as NostrEvent;
}
