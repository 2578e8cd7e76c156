import { tagValues, type VerifiedEvent } from '../../nostr/event.js';
import { allowsDeletion, type DeletionRule } from '../../nostr/deletion.js';
import type { DeletionRequest, EventStore } from '../../storage/types.js';

/**
 * Works out what a NIP-09 deletion request may delete: `e` targets the deleter is allowed to
 * delete (its own events, or what a MayDelete hook allows, such as a gift wrap's recipient), and
 * `a` coordinates of its own addressable events. Ids not stored yet are tombstoned too, so a
 * later copy is refused when the deleter was allowed to delete it.
 */
export async function planDeletion(ev: VerifiedEvent, store: Pick<EventStore, 'query'>, mayDelete: DeletionRule): Promise<DeletionRequest> {
  const wanted = [...new Set(tagValues(ev, 'e').filter((id) => /^[0-9a-f]{64}$/.test(id)))].slice(0, 1000);
  const stored = wanted.length > 0 ? await store.query([{ ids: wanted, limit: wanted.length }]) : [];
  const byId = new Map(stored.map((e) => [e.id, e]));
  const ids = wanted.filter((id) => {
    const target = byId.get(id);
    return !target || allowsDeletion(mayDelete, ev.pubkey, target);
  });
  const addresses: DeletionRequest['addresses'] = [];
  for (const coord of tagValues(ev, 'a')) {
    const m = /^(\d{1,5}):([0-9a-f]{64}):(.*)$/s.exec(coord);
    if (!m || m[2] !== ev.pubkey) continue;
    addresses.push({ kind: Number(m[1]), pubkey: m[2], d: m[3] ?? '' });
  }
  return { ids, addresses };
}
