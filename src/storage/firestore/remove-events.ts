import type { CollectionReference } from '@google-cloud/firestore';
import { kindClass } from '../../nostr/kinds.js';
import { coordinateDocId } from './ids.js';

/**
 * Removes stored events by id without tombstones, in one transaction, and clears the coordinate
 * pointer of a removed replaceable/addressable version so an older copy may be stored again
 * (as it could be after SQLite deletes the row). Tombstones and missing ids are left alone.
 * Returns how many events were removed.
 */
export async function removeInTransaction(events: CollectionReference, coords: CollectionReference, ids: string[]): Promise<number> {
  return events.firestore.runTransaction(async (tx) => {
    const snaps = ids.length > 0 ? await tx.getAll(...ids.map((id) => events.doc(id))) : [];
    const stored = snaps.filter((s) => s.exists && typeof s.get('raw') === 'string');
    const pointers = new Map<string, string>();
    for (const snap of stored) {
      const kind = snap.get('kind') as number;
      const cls = kindClass(kind);
      if (cls !== 'replaceable' && cls !== 'addressable') continue;
      const d = cls === 'addressable' ? (snap.get('d') as string) : '';
      pointers.set(coordinateDocId(kind, snap.get('pubkey') as string, d), snap.id);
    }
    const coordSnaps = pointers.size > 0 ? await tx.getAll(...[...pointers.keys()].map((id) => coords.doc(id))) : [];
    for (const c of coordSnaps) {
      if (!c.exists || c.get('id') !== pointers.get(c.id)) continue;
      const until = c.get('deleted_until') as number | undefined;
      if (until === undefined) tx.delete(c.ref);
      else tx.set(c.ref, { deleted_until: until });
    }
    for (const snap of stored) tx.delete(snap.ref);
    return stored.length;
  });
}

