import { tagValues, type NostrEvent } from './event.js';
import { DELETION_KIND, GIFT_WRAP_KIND } from './kinds.js';

/** Kinds addressed to their `p` recipients (gift wraps, Noise DMs, KeyPackage requests): only those read them. */
export const RECIPIENT_ADDRESSED_KINDS: readonly number[] = Object.freeze([GIFT_WRAP_KIND, 446, 447]);

/**
 * Pubkeys whose NIP-09 deletion may remove `ev`: its author, plus for recipient-addressed kinds
 * (1059, 446, 447) the `p` recipients, who hold the only copy they can read. The relay's deletion
 * planning and the stores' tombstone checks both use this one rule.
 */
export function deletersOf(ev: Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>): string[] {
  if (!RECIPIENT_ADDRESSED_KINDS.includes(ev.kind)) return [ev.pubkey];
  return [...new Set([ev.pubkey, ...tagValues(ev, 'p')])];
}

/**
 * May `deleter` delete the stored event `target` (NIP-09)? Never a deletion (deleting one has no
 * effect); otherwise when `deleter` is among deletersOf(target). Both stores decide with it inside the
 * transaction that deletes.
 */
export function mayDeleteStored(deleter: string, target: Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>): boolean {
  return target.kind !== DELETION_KIND && deletersOf(target).includes(deleter);
}
