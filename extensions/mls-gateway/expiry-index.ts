import type { KeyValueStore } from '../../src/storage/types.js';
import { timeKey } from './collections.js';

/** The key of an expiry-index entry: `<zero-padded expiry>:<holder>:<event id>`, so keys sort by time. */
export function expiryIndexKey(expiresAt: number, holder: string, id: string): string {
  return `${timeKey(expiresAt)}:${holder}:${id}`;
}

/**
 * Walks an expiry index (a kv collection keyed by expiryIndexKey) in key order and hands every entry
 * due at `now` to `onDue(holder, id)`, deleting the entry afterwards; stops at the first entry not
 * yet due. Reads `batch` entries at a time. Returns the sum of what `onDue` returned.
 */
export async function drainDueEntries(
  kv: KeyValueStore,
  collection: string,
  now: number,
  onDue: (holder: string, id: string) => Promise<number>,
  batch = 200,
): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await kv.list<object>(collection, { limit: batch });
    for (const { key } of due) {
      const [exp, holder, id] = key.split(':');
      if (Number(exp) > now) return total;
      if (holder && id) total += await onDue(holder, id);
      await kv.delete(collection, key);
    }
    if (due.length < batch) return total;
  }
}
