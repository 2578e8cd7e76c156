import type { NostrEvent } from './event.js';
import { DELETION_KIND } from './kinds.js';

/** The part of a stored event a deletion rule looks at. */
export type DeletionTarget = Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>;

/**
 * Who may delete what with NIP-09, as data (it crosses to the store's writer thread): the author
 * always, and for `recipientKinds` (addressed kinds: gift wraps, an extension's DMs) also the event's
 * `p` recipients. The relay builds it from its mayDelete hooks (relay/core/deletion-rule.ts); the
 * store applies it inside the transaction that deletes and when a copy of a tombstoned id arrives.
 */
export type DeletionRule = { readonly recipientKinds: readonly number[] };

/** NIP-09's own rule: the author only. */
export const AUTHOR_ONLY: DeletionRule = Object.freeze({ recipientKinds: Object.freeze([]) as readonly number[] });

/** May `deleter` delete `target` under `rule`? Never a deletion request (deleting one has no effect). */
export function allowsDeletion(rule: DeletionRule, deleter: string, target: DeletionTarget): boolean {
  if (target.kind === DELETION_KIND) return false;
  if (target.pubkey === deleter) return true;
  if (!rule.recipientKinds.includes(target.kind)) return false;
  return target.tags.some((t) => t[0] === 'p' && t[1] === deleter);
}
