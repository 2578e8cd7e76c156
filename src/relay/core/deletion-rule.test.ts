import { describe, expect, it } from 'vitest';
import { recipientMayDelete } from '../policies/auth.js';
import { deletionRule } from './deletion-rule.js';

const AUTHOR = 'a'.repeat(64);
const RECIPIENT = 'b'.repeat(64);
const OTHER = 'c'.repeat(64);

describe('the relay\'s deletion rule (NIP-09 plus the mayDelete hooks)', () => {
  const hooks = [recipientMayDelete([1059])];
  const rule = deletionRule(hooks);

  it('lets a gift wrap\'s p recipient delete it, nobody else but the author', () => {
    const wrap = { pubkey: AUTHOR, kind: 1059, tags: [['p', RECIPIENT], ['e', OTHER]] };
    expect(rule(AUTHOR, wrap)).toBe(true);
    expect(rule(RECIPIENT, wrap)).toBe(true);
    expect(rule(OTHER, wrap)).toBe(false);
  });

  it('never lets a hook delete a deletion request', () => {
    const deletion = { pubkey: AUTHOR, kind: 5, tags: [['p', RECIPIENT]] };
    expect(deletionRule([() => true])(RECIPIENT, deletion)).toBe(false);
  });

  it('reads the hook array live: a hook registered later (an extension) counts', () => {
    const live: typeof hooks = [];
    const later = deletionRule(live);
    const dm = { pubkey: AUTHOR, kind: 446, tags: [['p', RECIPIENT]] };
    expect(later(RECIPIENT, dm)).toBe(false);
    live.push(recipientMayDelete([446]));
    expect(later(RECIPIENT, dm)).toBe(true);
  });
});
