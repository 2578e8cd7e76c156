import { Firestore } from '@google-cloud/firestore';
import type { Storage } from '../../storage/types.js';
import { FirestoreEventStore } from './event-store.js';
import { InFlight } from './in-flight.js';
import { FirestoreKeyValueStore } from './kv-store.js';
import { watchStoredEvents, type WatchLogger } from './watch.js';

// How long close() waits for abandoned operations before it returns (terminating later).
const CLOSE_GRACE_MS = 2_000;

/** Where the Firestore backend keeps its data. */
export type FirestoreStorageOptions = {
  projectId: string;
  /** `(default)` unless the project has several databases. */
  databaseId: string;
  /** Put before every top-level collection name, so several relays can share one database. */
  collectionPrefix: string;
  /**
   * Marks the events this instance stores so its own watcher skips them (the relay always sets it).
   * Without it the watcher also delivers this instance's events, possibly before the observers of
   * the local commit ran: the read gate then decides on stale state, and the core's dedupe by id
   * drops the proper broadcast that follows. The one thing lost with it: a save answered `error`
   * after its deadline that commits later reaches no live subscriber.
   */
  instanceId?: string;
  /** `host:port` of an emulator; otherwise the driver honours FIRESTORE_EMULATOR_HOST. */
  emulatorHost?: string;
  /** Deadline of one Firestore operation in ms. Default 10,000. */
  timeoutMs?: number;
  /** Real-time listeners of the cross-instance feed, each on a share of the 16 event shards. Default 4. */
  feedShards?: number;
  /** Warnings of the cross-instance listener (a pino Logger fits). */
  logger?: WatchLogger;
};

/**
 * Opens the Firestore backend: events in `<prefix>events` (with coordinate pointers in
 * `<prefix>coords`), key-value collections under `<prefix>kv`, and a listener for events stored by
 * other instances. Resolves once the database answered one read, so a wrong project fails at boot.
 */
export async function openFirestoreStorage(opts: FirestoreStorageOptions): Promise<Storage> {
  const db = new Firestore({
    projectId: opts.projectId,
    databaseId: opts.databaseId,
    // ssl: false makes the driver talk to the emulator as its admin (FIRESTORE_EMULATOR_HOST still wins).
    ...(opts.emulatorHost ? { host: opts.emulatorHost, ssl: false } : {}),
  });
  const target = {
    events: db.collection(`${opts.collectionPrefix}events`),
    coords: db.collection(`${opts.collectionPrefix}coords`),
    instance: opts.instanceId,
  };
  const inFlight = new InFlight();
  const events = new FirestoreEventStore(target, { timeoutMs: opts.timeoutMs, inFlight });
  const kv = new FirestoreKeyValueStore(db, opts.collectionPrefix, opts.timeoutMs, inFlight);
  const watchers = new Set<() => void>();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const stop of watchers) stop();
      watchers.clear();
      // Operations abandoned after their deadline may still be retrying: terminate once they settle
      // (in the background when that takes longer than the grace period).
      const idle = inFlight.idle().then(() => db.terminate());
      await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
    })());
  try {
    await events.health();
  } catch (err) {
    await close();
    throw err;
  }
  return {
    backend: 'firestore',
    events,
    kv,
    watchRemote: (onEvent) => {
      const stop = watchStoredEvents(target.events, onEvent, { instance: opts.instanceId, logger: opts.logger, feedShards: opts.feedShards });
      watchers.add(stop);
      return () => {
        watchers.delete(stop);
        stop();
      };
    },
    close,
  };
}
