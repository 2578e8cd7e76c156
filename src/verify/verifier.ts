import type { NostrEvent } from '../nostr/event.js';
import { RelayError } from '../nostr/reasons.js';
import { loadBackend, type SkipListener } from './select.js';

/** Verifies events (id and BIP-340 signature). Resolves false for a forged event; rejects only with VerifyError. */
export interface Verifier {
  /**
   * True when the id matches the content and the signature matches the pubkey. `frame`, when
   * given, is the `["EVENT", ev]` text `ev` was parsed from (cheaper to hand to a worker).
   */
  verify(ev: NostrEvent, frame?: string): Promise<boolean>;
  /** The backend actually in use (after "auto" selection or a fallback). */
  readonly backend: string;
  /** Stops the workers; verify() calls still pending reject with RELAY_ERR_VERIFY_CLOSED. */
  close(): Promise<void>;
}

/** Why a verification could not be answered. */
export type VerifyErrorCode = 'RELAY_ERR_VERIFY_QUEUE_FULL' | 'RELAY_ERR_VERIFY_WORKER_CRASHED' | 'RELAY_ERR_VERIFY_CLOSED';

const CLIENT_TEXT: Record<VerifyErrorCode, string> = {
  RELAY_ERR_VERIFY_QUEUE_FULL: 'relay is busy verifying signatures, try again shortly',
  RELAY_ERR_VERIFY_WORKER_CRASHED: 'signature check could not complete, try again',
  RELAY_ERR_VERIFY_CLOSED: 'relay is shutting down',
};

/**
 * A verification that could not be answered (not a forged event: that is `false`). Its prefix and
 * message are safe to send to the client: `rate-limited:` when the queue is full, `error:` otherwise.
 */
export class VerifyError extends RelayError {
  constructor(readonly code: VerifyErrorCode) {
    super(code === 'RELAY_ERR_VERIFY_QUEUE_FULL' ? 'rate-limited' : 'error', CLIENT_TEXT[code]);
    this.name = 'VerifyError';
  }
}

/**
 * A Verifier that checks on the calling thread: for tests, tools and the benchmark's single-thread
 * column. `backend` is "auto" or a backend name, with the same fallback as the pool.
 */
export async function createInlineVerifier(backend = 'auto', onSkip?: SkipListener): Promise<Verifier> {
  const loaded = await loadBackend(backend, onSkip);
  let isClosed = false;
  return {
    backend: loaded.name,
    verify: async (ev) => {
      if (isClosed) throw new VerifyError('RELAY_ERR_VERIFY_CLOSED');
      return loaded.verify(ev);
    },
    close: async () => {
      isClosed = true;
    },
  };
}
