import { describe, expect, it } from 'vitest';
import { allowsDeletion } from '../../nostr/deletion.js';
import type { MayDelete } from '../hooks.js';
import { recipientMayDelete } from '../policies/auth.js';
import { deletionRule } from './deletion-rule.js';

const AUTHOR = 'a'.repeat(64);
const RECIPIENT = 'b'.repeat(64);

describe('the relay\'s deletion rule (NIP-09 plus the mayDelete hooks)', () => {
  it('is the union of the hooks\' recipient kinds, as plain data a store thread can receive', () => {
    const rule = deletionRule([recipientMayDelete([1059]), recipientMayDelete([446, 1059])]);
    expect([...rule.recipientKinds].sort()).toEqual([1059, 446]);
    expect(JSON.parse(JSON.stringify({ recipientKinds: rule.recipientKinds }))).toEqual({ recipientKinds: [1059, 446] });
  });

  it('reads the hook array live: a hook registered later (an extension) counts', () => {
    const hooks: MayDelete[] = [];
    const rule = deletionRule(hooks);
    const dm = { pubkey: AUTHOR, kind: 446, tags: [['p', RECIPIENT]] };
    expect(allowsDeletion(rule, RECIPIENT, dm)).toBe(false);
    hooks.push(recipientMayDelete([446]));
    expect(allowsDeletion(rule, RECIPIENT, dm)).toBe(true);
  });
});
