import { createVerifier, type VerifierOptions } from './pool.js';
import { createInlineVerifier, type Verifier } from './verifier.js';

/** Options of openVerifier: the pool's, plus where the checks run. */
export type OpenVerifierOptions = VerifierOptions & {
  /**
   * Verify on the event loop instead of in worker threads (config `verify.in_process`). For test relays
   * and tools: no worker start-up (each one loads its backend, seconds under tsx). A busy relay keeps the
   * pool, since an inline check blocks every connection for its duration. Default false.
   */
  inProcess?: boolean;
};

/**
 * The relay's verifier: the worker pool, or with `inProcess` the inline verifier (same backend choice
 * and fallback; `threads` and `maxQueue` do not apply: no check waits in a queue).
 */
export async function openVerifier(opts: OpenVerifierOptions = {}): Promise<Verifier> {
  if (opts.inProcess) return createInlineVerifier(opts.backend, opts.onSkip);
  return createVerifier(opts);
}
