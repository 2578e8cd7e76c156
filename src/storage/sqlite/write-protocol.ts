import type { DeletionRequest, SaveStatus } from '../types.js';

/** What the writer thread is started with. */
export type WriteWorkerData = { path: string; synchronous: 'NORMAL' | 'FULL' };

/**
 * What the main thread asks the writer thread: save a batch of verified events, sent as their
 * serialized JSON (a string crosses threads as one copy, not a structured clone of an object tree),
 * remove events by id, or purge expired events and kv documents.
 */
export type WriteRequest =
  | { type: 'save'; id: number; items: { json: string; deletion?: DeletionRequest }[] }
  | { type: 'remove'; id: number; ids: string[] }
  | { type: 'purge'; id: number; now: number; chunk: number }
  /** Caps the database file at `pages` (SQLite's max_page_count): a full disk, for tests and drills. */
  | { type: 'cap-pages'; id: number; pages: number };

/** One item's outcome: a status, or the SQLite error code of a failure (mapped to a fixed message on the main thread). */
export type ItemOutcome = SaveStatus | { code?: string };

/** What the writer thread answers: per-item outcomes of a save, the number of a remove or purge step, or a failure. */
export type WriteReply =
  | { type: 'ready' }
  | { type: 'saved'; id: number; outcomes: ItemOutcome[] }
  | { type: 'done'; id: number; n: number }
  | { type: 'failed'; id: number; code?: string };
