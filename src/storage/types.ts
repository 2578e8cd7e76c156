import type { DeletionRule } from '../nostr/deletion.js';
import type { NostrEvent, VerifiedEvent } from '../nostr/event.js';
import type { Filter } from '../nostr/filter.js';
import { RelayError } from '../nostr/reasons.js';

/**
 * What saving one event did.
 * - `saved`: durable now.
 * - `duplicate`: the same id was already stored.
 * - `superseded`: a replaceable/addressable event that is older than the stored version (not stored).
 * - `deleted`: a NIP-09 deletion of its author (or, for gift wraps, its recipient) forbids it.
 * - `error`: the backend failed; nothing was stored.
 */
export type SaveStatus = 'saved' | 'duplicate' | 'superseded' | 'deleted';
export type SaveResult = { status: SaveStatus } | { status: 'error'; error: Error };

/**
 * A NIP-09 deletion applied together with its deletion event, in the same transaction. The store
 * checks each stored target again inside that transaction and deletes it only when the deleter is
 * allowed by the item's `mayDelete` rule (never a kind 5): the relay plans the deletion before the commit, and a
 * target stored in between (an earlier item of the batch, another connection) must not be removed
 * by someone who may not delete it after its author got `OK true`.
 */
export type DeletionRequest = {
  /** Event ids to delete (stored ones the deleter may delete) or tombstone (ids not stored) for the deleter. */
  ids: string[];
  /** Addressable coordinates to delete up to `until` (created_at of the deletion). */
  addresses: { kind: number; pubkey: string; d: string }[];
};

/**
 * One event to save. `mayDelete` is the relay's NIP-09 rule (default: authors only): the store
 * applies it to stored targets of `deletion`, and refuses a copy of a tombstoned id when one of the
 * tombstone's deleters may delete it.
 */
export type SaveItem = { event: VerifiedEvent; deletion?: DeletionRequest; mayDelete?: DeletionRule };

/** Options of read operations. */
export type QueryOptions = {
  /** Aborted on CLOSE or disconnect. */
  signal?: AbortSignal;
  /** Unix seconds used to hide NIP-40 expired events; defaults to now. */
  now?: number;
  /**
   * What one request may spend: stored rows (index entries and events) examined, shared by all its
   * store calls and decremented by them, and milliseconds one synchronous statement may hold the
   * event loop. Past either the call throws QueryTooExpensiveError. A backend whose reads do not
   * block the event loop (Firestore) may ignore it. Default: unlimited.
   */
  budget?: QueryBudget;
};

/** A request's query budget (see QueryOptions.budget). */
export type QueryBudget = { rowsLeft: number; statementMs: number };

/** A query that went past its budget; answered `CLOSED error: query too expensive`. */
export class QueryTooExpensiveError extends RelayError {
  constructor() {
    super('error', 'query too expensive: narrow the filters (fewer values, kinds, a since/until window)');
    this.name = 'QueryTooExpensiveError';
  }
}

/**
 * The event store port. Both backends implement the same NIP semantics, checked by one
 * contract test suite:
 * - replaceable (0, 3, 10000–19999) keep the newest per pubkey+kind, addressable
 *   (30000–39999) per pubkey+kind+d; ties go to the lowest id; replacement is atomic;
 * - ephemeral kinds are never passed to the store;
 * - `save` of a kind-5 event with a DeletionRequest deletes the targets and records
 *   tombstones in the same transaction; later copies of deleted events answer `deleted`;
 * - NIP-40 expired events are never returned and are removed by `purgeExpired`.
 */
export interface EventStore {
  /** Saves a batch in one transaction (or as few round trips as the backend allows). One result per event, in order. */
  saveBatch(items: SaveItem[]): Promise<SaveResult[]>;
  /** Events matching any filter, newest first (ties by id), each filter's limit applied to it. */
  query(filters: Filter[], opts?: QueryOptions): Promise<NostrEvent[]>;
  /**
   * Number of distinct events matching any filter (NIP-45), counting no further than `max` when
   * given (the work of a count then stays bounded however many events match).
   */
  count(filters: Filter[], opts?: QueryOptions & { max?: number }): Promise<number>;
  /** True when the id is stored (cheap duplicate check before verifying). */
  has(id: string): Promise<boolean>;
  /** Removes events by id without tombstones (admin bans, retention). Returns how many were removed. */
  remove(ids: string[]): Promise<number>;
  /** Removes events whose NIP-40 expiration (or retention deadline) has passed. Returns how many. */
  purgeExpired(now?: number): Promise<number>;
  /** Throws when the backend cannot serve. */
  health(): Promise<void>;
  close(): Promise<void>;
}

/** A document of a key-value collection with an optional expiry (unix seconds). */
export type KvEntry<T> = { key: string; value: T };

/**
 * A small document store for relay state that is not events: admin allow/ban lists, the MLS
 * gateway's registry, rosters, claims. Collections are flat; keys are strings.
 */
/** `expiresAt` (unix seconds): from then on every reader treats the document as absent. */
export type KvWriteOptions = { expiresAt?: number };
/** Options of KeyValueStore.list. */
export type KvListOptions = { prefix?: string; limit?: number; after?: string };
/** The read-modify-write step of KeyValueStore.update; returning undefined deletes the document. */
export type KvUpdateFn<T> = (current: T | undefined) => T | undefined;

export interface KeyValueStore {
  get<T>(collection: string, key: string): Promise<T | undefined>;
  /** Writes a document; `expiresAt` (unix seconds) lets the backend drop it later. */
  put<T>(collection: string, key: string, value: T, opts?: KvWriteOptions): Promise<void>;
  delete(collection: string, key: string): Promise<void>;
  /**
   * Documents of a collection, ordered by key, optionally those whose key starts with `prefix`,
   * and only keys after `after` (exclusive: a page cursor).
   */
  list<T>(collection: string, opts?: KvListOptions): Promise<KvEntry<T>[]>;
  /**
   * Atomic read-modify-write. `fn` may run more than once (Firestore retries transactions);
   * returning undefined deletes the document. Resolves to what was written. A live document keeps
   * its expiry; `expiresAt` (unix seconds) applies when the update creates the document. `fn` returning
   * the very object it was given leaves the document as it is (Firestore then writes nothing).
   */
  update<T>(collection: string, key: string, fn: KvUpdateFn<T>, opts?: KvWriteOptions): Promise<T | undefined>;
}

/** A backend: the stores it provides, opened and closed together. */
export type Storage = {
  backend: 'sqlite' | 'firestore';
  events: EventStore;
  kv: KeyValueStore;
  /**
   * Subscribes to events stored by other instances (Firestore) or by the other workers of a cluster
   * (SQLite with `[server] workers`); undefined for a single process. `isWanted` false says no one here
   * could receive an event now (no live subscription): a backend may then skip decoding it, since a
   * subscription opened later reads committed events from the store.
   */
  watchRemote?: (onEvent: (ev: NostrEvent) => void, opts?: { isWanted?: () => boolean }) => () => void;
  close(): Promise<void>;
};
