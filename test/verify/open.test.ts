import { describe, expect, it } from 'vitest';
import { openVerifier } from '../../src/verify/open.js';
import { VerifyError } from '../../src/verify/verifier.js';
import { forgeries, validEvents } from './fixtures.js';

// The pool side of openVerifier is test/verify/pool.test.ts (worker threads); this is the unit-tier side.
describe('openVerifier in process', () => {
  it('checks on the calling thread: valid events pass, every forgery fails', async () => {
    const verifier = await openVerifier({ inProcess: true, backend: 'noble-curves', threads: 4 });
    expect(verifier.backend).toBe('noble-curves');
    // Not a pool: no worker threads to count, kill or respawn.
    expect('threads' in verifier).toBe(false);
    for (const ev of validEvents()) expect(await verifier.verify(ev)).toBe(true);
    const [ev] = validEvents();
    for (const [what, forged] of Object.entries(forgeries(ev!))) expect(await verifier.verify(forged), what).toBe(false);
    await verifier.close();
    await expect(verifier.verify(ev!)).rejects.toBeInstanceOf(VerifyError);
  });

  it('refuses an unknown backend name, as the pool does', async () => {
    await expect(openVerifier({ inProcess: true, backend: 'openssl' })).rejects.toThrow(/unknown verify backend/);
  });
});
