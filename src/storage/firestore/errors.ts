import type { RelayError } from '../../nostr/reasons.js';
import { storageError } from '../storage-error.js';
import type { InFlight } from './in-flight.js';

// gRPC status codes the driver reports in `err.code`.
const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const ABORTED = 10;
const INVALID_ARGUMENT = 3;

/** Raised by withTimeout; mapped like a driver deadline. */
export class FirestoreTimeoutError extends Error {
  readonly code = DEADLINE_EXCEEDED;
  constructor(op: string, ms: number) {
    super(`firestore ${op} did not answer within ${ms} ms`);
    this.name = 'FirestoreTimeoutError';
  }
}

function fixedMessage(code: unknown): string {
  switch (code) {
    case UNAVAILABLE:
    case DEADLINE_EXCEEDED:
      return 'storage unavailable';
    case RESOURCE_EXHAUSTED:
    case ABORTED:
      return 'storage busy';
    case INVALID_ARGUMENT:
      return 'storage rejected the write';
    default:
      return 'storage failed';
  }
}

/** A RelayError with a fixed message chosen by the gRPC code; see storageError. */
export function toStorageError(err: unknown): RelayError {
  return storageError(err, fixedMessage);
}

/**
 * Rejects with FirestoreTimeoutError when `work` takes longer than `ms`; the work itself is not
 * cancelled (the driver has no cancellation), so `inFlight` keeps following it.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, op: string, inFlight?: InFlight): Promise<T> {
  inFlight?.track(work);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FirestoreTimeoutError(op, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a read or write with a deadline, turning any failure into a RelayError. */
export async function guarded<T>(op: string, ms: number, fn: () => Promise<T>, inFlight?: InFlight): Promise<T> {
  try {
    return await withTimeout(fn(), ms, op, inFlight);
  } catch (err) {
    // An abort comes from the caller (CLOSE, disconnect), not from the backend: let it through.
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw toStorageError(err);
  }
}
