import { authorMayDelete, type DeletionRule } from '../../nostr/deletion.js';
import type { MayDelete } from '../hooks.js';

/**
 * The relay's NIP-09 rule: NIP-09's own (the author; never a deletion) or any mayDelete hook
 * (a recipient of an addressed kind). Reads the live hook array, so extensions registered later count.
 */
export function deletionRule(hooks: readonly MayDelete[]): DeletionRule {
  return (deleter, target) => authorMayDelete(deleter, target) || (target.kind !== 5 && hooks.some((allow) => allow(deleter, target)));
}
