import { RelayError } from '../../nostr/reasons.js';

function fixedMessage(code: unknown): string {
  if (typeof code !== 'string') return 'storage failed';
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_FSYNC...) share the primary code's prefix.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'storage busy';
  if (code.startsWith('SQLITE_FULL')) return 'storage full';
  if (code.startsWith('SQLITE_READONLY')) return 'storage is read-only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CORRUPT')) return 'storage unavailable';
  return 'storage failed';
}

/**
 * Turns a driver (or any unexpected) error into a RelayError with a fixed `error:` message chosen
 * by the SQLite result code, never the driver's text (which can name files). The original is kept
 * as a non-enumerable `cause` for the logs.
 */
export function toStorageError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const mapped = new RelayError('error', fixedMessage(code));
  Object.defineProperty(mapped, 'cause', { value: err, enumerable: false });
  return mapped;
}
