import { tagValues, type NostrEvent } from './event.js';
import { GIFT_WRAP_KIND } from './kinds.js';

/**
 * Pubkeys whose NIP-09 deletion may remove `ev`: its author, plus for gift wraps (kind 1059) the
 * `p` recipients, who hold the only copy they can read. Stores use this to decide whether a
 * tombstone recorded before the event arrived applies to it.
 */
export function deletersOf(ev: Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>): string[] {
  if (ev.kind !== GIFT_WRAP_KIND) return [ev.pubkey];
  return [...new Set([ev.pubkey, ...tagValues(ev, 'p')])];
}
