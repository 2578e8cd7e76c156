import { describe, expect, it } from 'vitest';
import { allowsDeletion, AUTHOR_ONLY } from './deletion.js';
import { DELETION_KIND, GIFT_WRAP_KIND } from './kinds.js';

const AUTHOR = 'a'.repeat(64);
const RECIPIENT = 'b'.repeat(64);
const OTHER = 'c'.repeat(64);

describe('NIP-09 deletion rights', () => {
  it('an ordinary event may be deleted by its author only, whatever it tags', () => {
    const note = { pubkey: AUTHOR, kind: 1, tags: [['p', RECIPIENT]] };
    expect(allowsDeletion(AUTHOR_ONLY, AUTHOR, note)).toBe(true);
    expect(allowsDeletion(AUTHOR_ONLY, RECIPIENT, note)).toBe(false);
    expect(allowsDeletion({ recipientKinds: [GIFT_WRAP_KIND] }, RECIPIENT, note)).toBe(false);
  });

  it('a p recipient of a kind the rule names may delete it; nobody else', () => {
    const wrap = { pubkey: AUTHOR, kind: GIFT_WRAP_KIND, tags: [['p', RECIPIENT], ['e', OTHER], ['p']] };
    const rule = { recipientKinds: [GIFT_WRAP_KIND] };
    expect(allowsDeletion(rule, RECIPIENT, wrap)).toBe(true);
    expect(allowsDeletion(rule, OTHER, wrap)).toBe(false);
    expect(allowsDeletion(AUTHOR_ONLY, RECIPIENT, wrap)).toBe(false);
  });

  it('a deletion request cannot be deleted, not even by its author', () => {
    expect(allowsDeletion({ recipientKinds: [DELETION_KIND] }, AUTHOR, { pubkey: AUTHOR, kind: DELETION_KIND, tags: [] })).toBe(false);
  });
});
