/**
 * Names of the signature-verification backends, fastest first as measured by `bench/verify.ts`
 * on the 2-core reference machine. Kept free of imports so the config schema can list them.
 */
export const BACKEND_NAMES = ['bcrypto', 'tiny-secp256k1', 'nostr-wasm', 'noble-curves', 'noble-secp256k1'] as const;

/** One of BACKEND_NAMES. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Config value meaning "the fastest backend that loads here". */
export const AUTO_BACKEND = 'auto';

/** Pure-JS backend that always installs and loads: the last resort when the chosen one cannot load. */
export const FALLBACK_BACKEND: BackendName = 'noble-curves';

/** True when `name` names a backend in the table. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}
