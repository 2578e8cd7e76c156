import type { DeletionRule } from '../../nostr/deletion.js';
import type { MayDelete } from '../hooks.js';

/**
 * The relay's NIP-09 rule from its mayDelete hooks: the author, plus the `p` recipients of every kind a
 * hook names. Reads the live hook array, so extensions registered later count.
 */
export function deletionRule(hooks: readonly MayDelete[]): DeletionRule {
  return {
    get recipientKinds() {
      return [...new Set(hooks.flatMap((h) => h.recipientKinds))];
    },
  };
}
