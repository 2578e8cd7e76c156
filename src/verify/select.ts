import type { NostrEvent } from '../nostr/event.js';
import { AUTO_BACKEND, BACKEND_NAMES, FALLBACK_BACKEND, isBackendName, type BackendName } from './backend-names.js';
import { getBackend, type VerifyFn } from './backends.js';

/** A backend that loaded and passed its self-test. */
export type LoadedBackend = { name: BackendName; verify: VerifyFn };

/** Told why a backend was skipped (e.g. to log a warning); `error` is the load or self-test failure. */
export type SkipListener = (name: BackendName, error: unknown) => void;

// A fixed event signed once with a throwaway key: every backend must accept it and reject its tampered copies.
const SELF_TEST_EVENT: NostrEvent = {
  kind: 1,
  tags: [['t', 'self-test']],
  content: 'mls-relay verify self-test',
  created_at: 1700000000,
  pubkey: '989c0b76cb563971fdc9bef31ec06c3560f3249d6ee9e5d83c57625596e05f6f',
  id: 'c51334b1fd10ae0588f52c4ed63d9d79fdedd140f8c73531d5d11b217a521c27',
  sig: '1875632b2d04f2b1abf50072266edd0bb2be13e2db27ba986826d16a9fd9de88d81f47e2bf7860c490dd70a7dc7758094e9bf0b19c0f2b14faafe1770db99b89',
};

/** Throws unless `verify` accepts the reference event and rejects a bad signature and altered content. */
function selfTest(verify: VerifyFn): void {
  const badSig = { ...SELF_TEST_EVENT, sig: `${SELF_TEST_EVENT.sig.slice(0, 127)}${SELF_TEST_EVENT.sig.endsWith('0') ? '1' : '0'}` };
  const badContent = { ...SELF_TEST_EVENT, content: `${SELF_TEST_EVENT.content}!` };
  if (!verify(SELF_TEST_EVENT)) throw new Error('self-test: rejected a valid event');
  if (verify(badSig) || verify(badContent)) throw new Error('self-test: accepted a forged event');
}

/** Loads one backend by name and self-tests it; rejects when it cannot run here. */
export async function loadBackendStrict(name: BackendName): Promise<LoadedBackend> {
  const verify = await getBackend(name).load();
  selfTest(verify);
  return { name, verify };
}

/**
 * Loads the backend `requested` ("auto" or a name from BACKEND_NAMES). "auto" takes the fastest one
 * that loads here; a named one that cannot load falls back to FALLBACK_BACKEND (pure JS, always there).
 * An unknown name throws: that is a configuration error, not a machine limitation.
 */
export async function loadBackend(requested: string = AUTO_BACKEND, onSkip?: SkipListener): Promise<LoadedBackend> {
  if (requested !== AUTO_BACKEND && !isBackendName(requested)) {
    throw new Error(`unknown verify backend ${JSON.stringify(requested)} (expected "auto" or one of ${BACKEND_NAMES.join(', ')})`);
  }
  const candidates: BackendName[] = requested === AUTO_BACKEND ? [...BACKEND_NAMES] : [requested, FALLBACK_BACKEND];
  let lastError: unknown;
  for (const name of new Set(candidates)) {
    try {
      return await loadBackendStrict(name);
    } catch (err) {
      lastError = err;
      onSkip?.(name, err);
    }
  }
  throw new Error('no verify backend could be loaded', { cause: lastError });
}
