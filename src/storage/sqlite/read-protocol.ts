import type { Filter } from '../../nostr/filter.js';
import type { QueryBudget } from '../types.js';

/** What a reader thread is started with. */
/** A reader thread's start: the database file, and its nice value (0 = the process's priority; see read-worker.ts). */
export type ReadWorkerData = { path: string; nice: number };

/** A read the main thread asks a reader thread for; `budget` is the request's budget as it stands. */
export type ReadRequest =
  | { type: 'query'; id: number; filters: Filter[]; now: number; budget?: QueryBudget }
  | { type: 'count'; id: number; filters: Filter[]; now: number; max?: number; budget?: QueryBudget }
  | { type: 'abort'; id: number };

/**
 * Why a read failed, as data (errors do not cross threads with their class): the request's budget
 * ran out, or SQLite failed with `code` (mapped to a fixed message on the main thread).
 */
export type ReadFailure = { kind: 'too-expensive' } | { kind: 'storage'; code?: string };

/**
 * What a reader thread answers: the stored JSON of a query's events in slices, in order, then `done`
 * (with the count for a count); or `failed`. `rowsLeft` is what the request's budget has left after the read.
 */
export type ReadReply =
  | { type: 'ready' }
  | { type: 'slice'; id: number; raws: string[] }
  | { type: 'done'; id: number; count?: number; rowsLeft?: number }
  | { type: 'failed'; id: number; failure: ReadFailure; rowsLeft?: number };

/** Events per slice message: a large answer crosses in several messages, and the main thread runs other work between them. */
export const SLICE_EVENTS = 256;
