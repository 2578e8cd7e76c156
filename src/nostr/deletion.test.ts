import { describe, expect, it } from 'vitest';
import { authorMayDelete } from './deletion.js';
import { DELETION_KIND, GIFT_WRAP_KIND } from './kinds.js';

const AUTHOR = 'a'.repeat(64);
const RECIPIENT = 'b'.repeat(64);

describe('NIP-09 deletion rights (the protocol rule; the relay adds its hooks in relay/core/deletion-rule.ts)', () => {
  it('an ordinary event may be deleted by its author only, whatever it tags', () => {
    const note = { pubkey: AUTHOR, kind: 1, tags: [['p', RECIPIENT]] };
    expect(authorMayDelete(AUTHOR, note)).toBe(true);
    expect(authorMayDelete(RECIPIENT, note)).toBe(false);
  });

  it('a gift wrap is no different to NIP-09 itself: its recipient needs the relay\'s hook', () => {
    expect(authorMayDelete(RECIPIENT, { pubkey: AUTHOR, kind: GIFT_WRAP_KIND, tags: [['p', RECIPIENT]] })).toBe(false);
  });

  it('a deletion request cannot be deleted, not even by its author', () => {
    expect(authorMayDelete(AUTHOR, { pubkey: AUTHOR, kind: DELETION_KIND, tags: [] })).toBe(false);
  });
});
