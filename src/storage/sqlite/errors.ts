import type { RelayError } from '../../nostr/reasons.js';
import { storageError } from '../storage-error.js';

function fixedMessage(code: unknown): string {
  if (typeof code !== 'string') return 'storage failed';
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_FSYNC...) share the primary code's prefix.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'storage busy';
  if (code.startsWith('SQLITE_FULL')) return 'storage full';
  if (code.startsWith('SQLITE_READONLY')) return 'storage is read-only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CORRUPT')) return 'storage unavailable';
  return 'storage failed';
}

/** A RelayError with a fixed message chosen by the SQLite result code; see storageError. */
export function toStorageError(err: unknown): RelayError {
  return storageError(err, fixedMessage);
}

/** Runs a synchronous SQLite call, turning a thrown driver error into toStorageError's RelayError. */
export function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStorageError(err);
  }
}
