import { describe, expect, it } from 'vitest';
import { BACKENDS, type VerifyFn } from '../../src/verify/backends.js';
import { FALLBACK_BACKEND } from '../../src/verify/backend-names.js';
import { forgeries, validEvents } from './fixtures.js';

// Each backend that loads on this machine; bcrypto is optional (node-gyp) and may be absent elsewhere.
const loaded: [string, VerifyFn][] = [];
for (const backend of BACKENDS) {
  try {
    loaded.push([backend.name, await backend.load()]);
  } catch {
    // Not loadable here: covered by the fallback tests in select.test.ts.
  }
}

describe('verify backends', () => {
  it('always has the pure-JS backends', () => {
    const names = loaded.map(([name]) => name);
    expect(names).toContain(FALLBACK_BACKEND);
    expect(names).toContain('noble-secp256k1');
  });

  describe.each(loaded)('%s', (_name, verify) => {
    const events = validEvents();

    it('accepts valid events of every size', () => {
      expect(events.map((ev) => verify(ev))).toEqual(events.map(() => true));
    });

    it.each(Object.entries(forgeries(events[0]!)))('rejects %s', (_label, forged) => {
      expect(verify(forged)).toBe(false);
    });

    it('rejects a large event whose content was altered after signing', () => {
      const big = events[2]!;
      expect(verify({ ...big, content: `${big.content.slice(0, -1)}y` })).toBe(false);
    });

    it('returns false instead of throwing on malformed hex', () => {
      const ev = events[0]!;
      expect(verify({ ...ev, sig: 'zz'.repeat(64) })).toBe(false);
      expect(verify({ ...ev, pubkey: ev.pubkey.slice(0, 62) })).toBe(false);
    });
  });
});
