import { describe, expect, it } from 'vitest';
import { deletersOf, mayDeleteStored } from './deletion.js';
import { DELETION_KIND, GIFT_WRAP_KIND } from './kinds.js';

const AUTHOR = 'a'.repeat(64);
const RECIPIENT = 'b'.repeat(64);
const OTHER = 'c'.repeat(64);

describe('NIP-09 deletion rights', () => {
  it('an ordinary event may be deleted by its author only, whatever it tags', () => {
    const note = { pubkey: AUTHOR, kind: 1, tags: [['p', RECIPIENT]] };
    expect(deletersOf(note)).toEqual([AUTHOR]);
    expect(mayDeleteStored(AUTHOR, note)).toBe(true);
    expect(mayDeleteStored(RECIPIENT, note)).toBe(false);
  });

  it('a gift wrap may also be deleted by its p recipients, each listed once', () => {
    const wrap = { pubkey: AUTHOR, kind: GIFT_WRAP_KIND, tags: [['p', RECIPIENT], ['p', RECIPIENT], ['e', OTHER], ['p']] };
    expect(deletersOf(wrap)).toEqual([AUTHOR, RECIPIENT]);
    expect(mayDeleteStored(RECIPIENT, wrap)).toBe(true);
    expect(mayDeleteStored(OTHER, wrap)).toBe(false);
  });

  it('a deletion request cannot be deleted, not even by its author', () => {
    expect(mayDeleteStored(AUTHOR, { pubkey: AUTHOR, kind: DELETION_KIND, tags: [] })).toBe(false);
  });
});
