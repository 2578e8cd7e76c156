import type { DeletionRule } from '../../nostr/deletion.js';
import type { DeletionRequest, SaveStatus } from '../types.js';

/** What the writer thread is started with. */
export type WriteWorkerData = { path: string; synchronous: 'NORMAL' | 'FULL' };

/**
 * What the main thread asks the writer thread: save a batch of verified events, remove events by id,
 * or purge expired events and kv documents. A batch crosses as the events' JSON, joined by newlines
 * (JSON.stringify escapes every newline inside a value) and UTF-8 encoded into one buffer that is
 * transferred, not cloned: one message body per batch instead of one cloned string per event. (The
 * profiles of 30 Nov, on a machine at load 15–20, showed postMessage at ~130–190 µs per event either
 * way, most likely the thread being descheduled inside it; retake on a quiet machine before trusting
 * either figure.) `deletions` holds [item index, request] pairs; `rules` [item index, NIP-09 rule] pairs
 * (plain data: the relay's deletion rule crosses as its recipient kinds).
 */
export type WriteRequest =
  | { type: 'save'; id: number; batch: Uint8Array; deletions: [number, DeletionRequest][]; rules: [number, DeletionRule][] }
  | { type: 'remove'; id: number; ids: string[] }
  | { type: 'purge'; id: number; now: number; chunk: number }
  /** Caps the database file at `pages` (SQLite's max_page_count): a full disk, for tests and drills. */
  | { type: 'cap-pages'; id: number; pages: number };

/** One item's outcome: a status, or the SQLite error code of a failure (mapped to a fixed message on the main thread). */
export type ItemOutcome = SaveStatus | { code?: string };

/** What the writer thread answers: per-item outcomes of a save, the number of a remove or purge step, or a failure. */
/** Newline-separated JSON texts: the wire form of a batch (see WriteRequest). */
export const ITEM_SEPARATOR = '\n';

export type WriteReply =
  | { type: 'ready' }
  | { type: 'saved'; id: number; outcomes: ItemOutcome[] }
  | { type: 'done'; id: number; n: number }
  | { type: 'failed'; id: number; code?: string };
