import { Timestamp, type CollectionReference } from '@google-cloud/firestore';
import type { NostrEvent } from '../../nostr/event.js';
import { EVENT_SHARDS, fromDocData } from './event-doc.js';
import { buildQuery, QUERY_SHAPES } from './query-shapes.js';

/** The logging the watcher needs (a pino Logger fits). */
export type WatchLogger = { warn(obj: object, msg: string): void };

/** Options of watchStoredEvents. */
export type WatchOptions = {
  /** Documents stored by this instance carry it and are skipped (the core broadcast them already). */
  instance?: string;
  logger?: WatchLogger;
  /**
   * Listeners, each on its share of the event shards (1 to EVENT_SHARDS). Each has a bounded result
   * and its own rotation, so one listener's memory and catch-up reads are 1/N of the feed's. Default 4.
   */
  feedShards?: number;
  /**
   * A listener keeps every document of its result in memory, so it is replaced by one starting
   * later every `rotateMs`. Default 5 minutes.
   */
  rotateMs?: number;
  /** ...or as soon as its result grew by this many documents. Default 5,000. */
  rotateDocs?: number;
};

// Instances' clocks and the server's differ a little; start a little early and deduplicate.
const SLACK_MS = 5_000;
const SEEN_MAX = 20_000;
const RETRY_MAX_MS = 30_000;

/** The event shards listener `i` of `n` covers: every shard s with s % n === i. */
export function feedShardValues(i: number, n: number): number[] {
  const out: number[] = [];
  for (let s = i; s < EVENT_SHARDS; s += n) out.push(s);
  return out;
}

type Deliver = (id: string, data: Record<string, unknown>) => void;

/**
 * One rotating listener on the events of `shards` stored since it started. Returns its stop function.
 * Each replacement starts at the newest `stored_at` seen minus the clock slack and catches up before
 * the listener it replaces is closed, so nothing falls between two of them.
 */
function listenToShards(events: CollectionReference, shards: number[], deliver: Deliver, opts: WatchOptions): () => void {
  const rotateMs = opts.rotateMs ?? 5 * 60_000;
  const rotateDocs = opts.rotateDocs ?? 5_000;
  let lastStoredMs = Date.now();
  // Listeners alive now: normally one, two while a replacement catches up.
  const active = new Set<() => void>();
  let stopped = false;
  let retryMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const listen = (): void => {
    if (stopped) return;
    const start = Timestamp.fromMillis(lastStoredMs - SLACK_MS);
    let first = true;
    // Documents of the catch-up window (the slack before `start`) do not count towards rotation.
    let initial = -1;
    const unsubscribe = buildQuery(events, QUERY_SHAPES.eventsStoredSince, [shards, start]).onSnapshot(
      (snap) => {
        retryMs = 500;
        for (const change of snap.docChanges()) {
          if (change.type !== 'added') continue;
          const data = change.doc.data();
          if (data.stored_at instanceof Timestamp) lastStoredMs = Math.max(lastStoredMs, data.stored_at.toMillis());
          deliver(change.doc.id, data);
        }
        if (initial < 0) initial = snap.size;
        if (snap.size - initial >= rotateDocs && active.size === 1) schedule(0);
        if (first) {
          first = false;
          // This listener has caught up: the ones it replaces can go.
          for (const other of active) {
            if (other === unsubscribe) continue;
            active.delete(other);
            other();
          }
        }
      },
      (err) => {
        opts.logger?.warn({ code: (err as { code?: unknown }).code, shards }, 'firestore listener failed; restarting');
        active.delete(unsubscribe);
        schedule(retryMs);
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      },
    );
    active.add(unsubscribe);
    schedule(rotateMs);
  };

  const schedule = (ms: number): void => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(listen, ms).unref();
  };

  listen();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const unsubscribe of active) unsubscribe();
    active.clear();
  };
}

/**
 * Calls `onEvent` for every event stored (by any instance but this one) after the call, through
 * `feedShards` Firestore real-time listeners, each on a share of the event shards (`shard in [...]`
 * and `stored_at`, served by the composite index after `shard`). Each event is delivered once even
 * across listener rotation and restarts after errors. Returns the unsubscribe function.
 */
export function watchStoredEvents(events: CollectionReference, onEvent: (ev: NostrEvent) => void, opts: WatchOptions = {}): () => void {
  const n = Math.min(EVENT_SHARDS, Math.max(1, Math.floor(opts.feedShards ?? 4)));
  const seen = new Set<string>();
  const deliver: Deliver = (id, data) => {
    if (seen.has(id) || (opts.instance !== undefined && data.instance === opts.instance)) return;
    const ev = fromDocData(data);
    if (!ev) return;
    seen.add(id);
    // A Set iterates in insertion order: dropping the first entries forgets the oldest ids.
    if (seen.size > SEEN_MAX) for (const old of seen) if (seen.delete(old) && seen.size <= SEEN_MAX / 2) break;
    onEvent(ev);
  };
  const stops = Array.from({ length: n }, (_, i) => listenToShards(events, feedShardValues(i, n), deliver, opts));
  return () => {
    for (const stop of stops) stop();
  };
}
