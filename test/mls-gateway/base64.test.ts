import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPaddedBase64 } from '../../extensions/mls-gateway/base64.js';

/** The rule as a regular expression (RFC 4648 §4, padding mandatory): what the loop must agree with. */
const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

describe('isPaddedBase64', () => {
  it('accepts padded standard base64 of every length', () => {
    for (let n = 0; n < 40; n++) expect(isPaddedBase64(randomBytes(n).toString('base64'))).toBe(true);
  });

  it('refuses missing or misplaced padding, URL-safe and foreign characters', () => {
    for (const bad of ['abc', 'ab=c', 'a===', '====', 'ab-_', 'abc\u00e9', 'ab c', '=abc', 'abcd=', 'YQ', 'YWI']) {
      expect(isPaddedBase64(bad), bad).toBe(false);
    }
  });

  it('agrees with the regular expression on mutated base64', () => {
    const alphabet = 'AZaz09+/=-_ \u00e9';
    for (let i = 0; i < 5000; i++) {
      const chars = [...randomBytes(1 + (i % 12)).toString('base64')];
      const at = i % chars.length;
      if (i % 3 === 0) chars[at] = alphabet[i % alphabet.length]!;
      const text = chars.join('');
      expect(isPaddedBase64(text), text).toBe(STRICT.test(text));
    }
  });
});
