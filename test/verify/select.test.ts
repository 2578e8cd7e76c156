import { afterAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/verify/select.js';
import { createInlineVerifier, VerifyError } from '../../src/verify/verifier.js';
import { FALLBACK_BACKEND } from '../../src/verify/backend-names.js';
import { forgeries, validEvents } from './fixtures.js';

// bcrypto's own switch to its JS build: the native backend then refuses to load, a real load failure.
// vitest's forks pool gives this file its own process, so no other file sees this.
const savedBackend = process.env.NODE_BACKEND;
process.env.NODE_BACKEND = 'js';
afterAll(() => {
  if (savedBackend === undefined) delete process.env.NODE_BACKEND;
  else process.env.NODE_BACKEND = savedBackend;
});

describe('backend selection', () => {
  it('falls back to the pure-JS backend when the named one cannot load', async () => {
    const skipped: string[] = [];
    const chosen = await loadBackend('bcrypto', (name) => skipped.push(name));
    expect(skipped).toEqual(['bcrypto']);
    expect(chosen.name).toBe(FALLBACK_BACKEND);
    const [ev] = validEvents();
    expect(chosen.verify(ev!)).toBe(true);
  });

  it('auto skips what cannot load and takes the next fastest', async () => {
    const skipped: string[] = [];
    const chosen = await loadBackend('auto', (name) => skipped.push(name));
    expect(skipped).toEqual(['bcrypto']);
    expect(chosen.name).toBe('tiny-secp256k1');
  });

  it('refuses an unknown backend name instead of guessing', async () => {
    await expect(loadBackend('libsecp-magic')).rejects.toThrow(/unknown verify backend "libsecp-magic"/);
  });
});

describe('inline verifier', () => {
  it('verifies on the calling thread with the requested backend', async () => {
    const verifier = await createInlineVerifier('noble-secp256k1');
    expect(verifier.backend).toBe('noble-secp256k1');
    const [ev] = validEvents();
    expect(await verifier.verify(ev!)).toBe(true);
    expect(await verifier.verify(forgeries(ev!)['wrong pubkey']!)).toBe(false);
    await verifier.close();
    const err = await verifier.verify(ev!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as VerifyError).code).toBe('RELAY_ERR_VERIFY_CLOSED');
  });
});
