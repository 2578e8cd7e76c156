import type { NostrEvent } from './event.js';
import { DELETION_KIND } from './kinds.js';

/** The part of a stored event a deletion rule looks at. */
export type DeletionTarget = Pick<NostrEvent, 'pubkey' | 'kind' | 'tags'>;

/**
 * May `deleter` delete the stored event `target` with NIP-09? The relay builds it from its hooks
 * (relay/core/deletion-rule.ts) and hands it to the store, which decides with it inside the
 * transaction that deletes and when a copy of a tombstoned id arrives.
 */
export type DeletionRule = (deleter: string, target: DeletionTarget) => boolean;

/** NIP-09's own rule: the author, and never a deletion (deleting one has no effect). */
export const authorMayDelete: DeletionRule = (deleter, target) => target.kind !== DELETION_KIND && target.pubkey === deleter;
