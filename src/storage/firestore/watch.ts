import { Timestamp, type CollectionReference } from '@google-cloud/firestore';
import type { NostrEvent } from '../../nostr/event.js';
import { fromDocData } from './event-doc.js';
import { buildQuery, QUERY_SHAPES } from './query-shapes.js';

/** The logging the watcher needs (a pino Logger fits). */
export type WatchLogger = { warn(obj: object, msg: string): void };

/** Options of watchStoredEvents. */
export type WatchOptions = {
  /** Documents stored by this instance carry it and are skipped (the core broadcast them already). */
  instance?: string;
  logger?: WatchLogger;
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

/**
 * Calls `onEvent` for every event stored (by any instance but this one) after the call, through a
 * Firestore real-time listener on `stored_at`. Each event is delivered once even across listener
 * rotation and restarts after errors. Returns the unsubscribe function.
 */
export function watchStoredEvents(events: CollectionReference, onEvent: (ev: NostrEvent) => void, opts: WatchOptions = {}): () => void {
  const rotateMs = opts.rotateMs ?? 5 * 60_000;
  const rotateDocs = opts.rotateDocs ?? 5_000;
  const seen = new Set<string>();
  let lastStoredMs = Date.now();
  // Listeners alive now: normally one, two while a replacement catches up.
  const active = new Set<() => void>();
  let stopped = false;
  let retryMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const deliver = (id: string, data: Record<string, unknown>): void => {
    const stored = data.stored_at;
    if (stored instanceof Timestamp) lastStoredMs = Math.max(lastStoredMs, stored.toMillis());
    if (seen.has(id) || (opts.instance !== undefined && data.instance === opts.instance)) return;
    const ev = fromDocData(data);
    if (!ev) return;
    seen.add(id);
    // A Set iterates in insertion order: dropping the first entries forgets the oldest ids.
    if (seen.size > SEEN_MAX) for (const old of seen) if (seen.delete(old) && seen.size <= SEEN_MAX / 2) break;
    onEvent(ev);
  };

  const listen = (): void => {
    if (stopped) return;
    const start = Timestamp.fromMillis(lastStoredMs - SLACK_MS);
    let first = true;
    // Documents of the catch-up window (the slack before `start`) do not count towards rotation.
    let initial = -1;
    const unsubscribe = buildQuery(events, QUERY_SHAPES.eventsStoredSince, [start]).onSnapshot(
      (snap) => {
        retryMs = 500;
        for (const change of snap.docChanges()) if (change.type === 'added') deliver(change.doc.id, change.doc.data());
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
        opts.logger?.warn({ code: (err as { code?: unknown }).code }, 'firestore listener failed; restarting');
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
