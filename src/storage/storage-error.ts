import { RelayError } from '../nostr/reasons.js';

/**
 * Turns a driver (or any unexpected) error into a RelayError with a fixed `error:` message chosen
 * from the driver's error code by `messageFor` — never the driver's text, which can name files,
 * paths and hosts. The original is kept as a non-enumerable `cause` for the logs.
 */
export function storageError(err: unknown, messageFor: (code: unknown) => string): RelayError {
  if (err instanceof RelayError) return err;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const mapped = new RelayError('error', messageFor(code));
  Object.defineProperty(mapped, 'cause', { value: err, enumerable: false });
  return mapped;
}
