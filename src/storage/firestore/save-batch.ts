import type { CollectionReference, DocumentReference, Transaction } from '@google-cloud/firestore';
import { firstTagValue, type VerifiedEvent } from '../../nostr/event.js';
import { allowsDeletion, AUTHOR_ONLY, type DeletionRule } from '../../nostr/deletion.js';
import { DELETION_KIND, kindClass } from '../../nostr/kinds.js';
import type { DeletionRequest, SaveItem, SaveResult, SaveStatus } from '../../storage/types.js';
import { toEventDoc, type TombstoneDoc } from './event-doc.js';
import { coordinateDocId } from './ids.js';

/** One item of EventStore.saveBatch. */
export type { SaveItem };

/** The collections a save touches. */
export type SaveTarget = { events: CollectionReference; coords: CollectionReference; instance?: string };

/** What the transaction knows about an event document. */
type DocState =
  | { type: 'missing' }
  | { type: 'event'; kind: number; pubkey: string; d: string; recipients: string[] }
  | { type: 'tomb'; deletedBy: string[] };

/**
 * A coordinate pointer `kind:pubkey:d`: the id and created_at of the stored version, and the
 * created_at up to which a NIP-09 `a` deletion removed versions.
 */
type CoordState = { id?: string; created_at?: number; deleted_until?: number };

type Write = { ref: DocumentReference; data: Record<string, unknown> | null; existed: boolean };

function docState(data: Record<string, unknown> | undefined): DocState {
  if (!data) return { type: 'missing' };
  if (Array.isArray(data.deleted_by)) return { type: 'tomb', deletedBy: data.deleted_by as string[] };
  const recipients = ((data.tag_keys as string[] | undefined) ?? []).filter((k) => k.startsWith('p:')).map((k) => k.slice(2));
  return { type: 'event', kind: data.kind as number, pubkey: data.pubkey as string, d: (data.d as string) ?? '', recipients };
}

function coordOf(kind: number, pubkey: string, d: string): string | undefined {
  const cls = kindClass(kind);
  if (cls === 'replaceable') return coordinateDocId(kind, pubkey, '');
  if (cls === 'addressable') return coordinateDocId(kind, pubkey, d);
  return undefined;
}

function dTag(ev: VerifiedEvent): string {
  return firstTagValue(ev, 'd') ?? '';
}

/**
 * The state of one transaction attempt: documents read, then changed in memory item by item (so
 * later items of the batch see earlier ones), then written at once. Rebuilt on every retry.
 */
class BatchView {
  readonly events = new Map<string, DocState>();
  readonly coords = new Map<string, CoordState>();
  private readonly existed = new Set<string>();
  private readonly writes = new Map<string, Write>();

  constructor(private readonly target: SaveTarget) {}

  /** Reads every document the items need in one round trip (two when deletions hit replaceable events). */
  async load(tx: Transaction, items: SaveItem[]): Promise<void> {
    const eventIds = new Set<string>();
    const coordIds = new Set<string>();
    for (const { event, deletion } of items) {
      eventIds.add(event.id);
      const c = coordOf(event.kind, event.pubkey, dTag(event));
      if (c) coordIds.add(c);
      for (const id of deletion?.ids ?? []) eventIds.add(id);
      for (const a of deletion?.addresses ?? []) coordIds.add(coordinateDocId(a.kind, a.pubkey, a.d));
    }
    await this.read(tx, [...eventIds], [...coordIds]);
    // Deleting a stored replaceable version by id must clear its pointer, which only its document names.
    const more = new Set<string>();
    for (const state of this.events.values()) {
      if (state.type !== 'event') continue;
      const c = coordOf(state.kind, state.pubkey, state.d);
      if (c && !this.coords.has(c)) more.add(c);
    }
    if (more.size > 0 && items.some((i) => i.deletion && i.deletion.ids.length > 0)) await this.read(tx, [], [...more]);
  }

  private async read(tx: Transaction, eventIds: string[], coordIds: string[]): Promise<void> {
    const refs = [...eventIds.map((id) => this.target.events.doc(id)), ...coordIds.map((id) => this.target.coords.doc(id))];
    if (refs.length === 0) return;
    const snaps = await tx.getAll(...refs);
    snaps.forEach((snap, i) => {
      if (snap.exists) this.existed.add(snap.ref.path);
      const data = snap.data();
      if (i < eventIds.length) this.events.set(snap.id, docState(data));
      else this.coords.set(snap.id, data ? (data as CoordState) : {});
    });
  }

  private put(ref: DocumentReference, data: Record<string, unknown> | null): void {
    this.writes.set(ref.path, { ref, data, existed: this.existed.has(ref.path) });
  }

  /** Applies one item and says what happened to it. */
  apply(item: SaveItem): SaveStatus {
    const ev = item.event;
    const state = this.events.get(ev.id) ?? { type: 'missing' };
    if (state.type === 'event') return 'duplicate';
    const mayDelete = item.mayDelete ?? AUTHOR_ONLY;
    if (state.type === 'tomb' && state.deletedBy.some((p) => allowsDeletion(mayDelete, p, ev))) return 'deleted';
    const d = dTag(ev);
    const coordId = coordOf(ev.kind, ev.pubkey, d);
    if (coordId) {
      const c = this.coords.get(coordId) ?? {};
      if (c.deleted_until !== undefined && ev.created_at <= c.deleted_until) return 'deleted';
      if (c.id !== undefined && c.created_at !== undefined) {
        if (c.created_at > ev.created_at || (c.created_at === ev.created_at && c.id < ev.id)) return 'superseded';
        this.removeEvent(c.id);
      }
      this.setCoord(coordId, { ...c, id: ev.id, created_at: ev.created_at });
    }
    const recipients = ev.tags.filter((t) => t[0] === 'p' && typeof t[1] === 'string').map((t) => t[1] as string);
    this.events.set(ev.id, { type: 'event', kind: ev.kind, pubkey: ev.pubkey, d, recipients });
    this.put(this.target.events.doc(ev.id), toEventDoc(ev, this.target.instance));
    if (item.deletion && ev.kind === DELETION_KIND) this.applyDeletion(ev, item.deletion, mayDelete);
    return 'saved';
  }

  private setCoord(coordId: string, c: CoordState): void {
    this.coords.set(coordId, c);
    const data: Record<string, unknown> = {};
    if (c.id !== undefined) Object.assign(data, { id: c.id, created_at: c.created_at });
    if (c.deleted_until !== undefined) data.deleted_until = c.deleted_until;
    this.put(this.target.coords.doc(coordId), Object.keys(data).length > 0 ? data : null);
  }

  private removeEvent(id: string): void {
    this.events.set(id, { type: 'missing' });
    this.put(this.target.events.doc(id), null);
  }

  private applyDeletion(deletion: VerifiedEvent, req: DeletionRequest, mayDelete: DeletionRule): void {
    const deleter = deletion.pubkey;
    for (const id of req.ids) {
      const state = this.events.get(id) ?? { type: 'missing' };
      // Decided here, inside the transaction, on the stored copy: the target may have been stored
      // after the relay planned the deletion. Someone else's event stays, without a tombstone.
      if (state.type === 'event' && !allowsDeletion(mayDelete, deleter, { ...state, tags: state.recipients.map((p) => ['p', p]) })) continue;
      if (state.type === 'event') {
        const coordId = coordOf(state.kind, state.pubkey, state.d);
        const c = coordId ? this.coords.get(coordId) : undefined;
        if (coordId && c?.id === id) this.setCoord(coordId, { deleted_until: c.deleted_until });
      }
      const deletedBy = state.type === 'tomb' ? [...new Set([...state.deletedBy, deleter])] : [deleter];
      this.events.set(id, { type: 'tomb', deletedBy });
      const tomb: TombstoneDoc = { deleted_by: deletedBy };
      this.put(this.target.events.doc(id), tomb);
    }
    for (const a of req.addresses) {
      const coordId = coordinateDocId(a.kind, a.pubkey, a.d);
      const c = this.coords.get(coordId) ?? {};
      const until = Math.max(c.deleted_until ?? deletion.created_at, deletion.created_at);
      if (c.id !== undefined && (c.created_at ?? 0) <= deletion.created_at) {
        this.removeEvent(c.id);
        this.setCoord(coordId, { deleted_until: until });
      } else this.setCoord(coordId, { ...c, deleted_until: until });
    }
  }

  /** Queues the final state of every touched document. Documents read as missing use create(), so a racing writer fails the commit. */
  flush(tx: Transaction): void {
    for (const { ref, data, existed } of this.writes.values()) {
      // A replaced version is deleted without having been read (its pointer was): deleting is blind and safe.
      if (data === null) tx.delete(ref);
      else if (existed) tx.set(ref, data);
      else tx.create(ref, data);
    }
  }
}

/** Saves items in one transaction: one read round trip, one commit. Throws when the transaction fails. */
export async function saveInTransaction(target: SaveTarget, items: SaveItem[]): Promise<SaveResult[]> {
  return target.events.firestore.runTransaction(async (tx) => {
    const view = new BatchView(target);
    await view.load(tx, items);
    const results: SaveResult[] = items.map((item) => ({ status: view.apply(item) }));
    view.flush(tx);
    return results;
  });
}

// gRPC code of a create() whose document exists: a duplicate or a tombstone.
const ALREADY_EXISTS = 6;

/** True when no item needs a read to be decided, unless its id is taken: regular kinds, no deletion, distinct ids. */
export function isPlainInsert(items: SaveItem[]): boolean {
  const ids = new Set<string>();
  for (const { event, deletion } of items) {
    if (deletion || kindClass(event.kind) !== 'regular' || ids.has(event.id)) return false;
    ids.add(event.id);
  }
  return true;
}

/**
 * The fast path for plain inserts: one atomic batch of create() calls, a single commit with no
 * read. Resolves to undefined when an id is already taken (a duplicate or a tombstone), so the
 * caller decides the chunk again in a transaction, which tells those apart. Throws on other errors.
 */
export async function saveAsPlainInserts(target: SaveTarget, items: SaveItem[]): Promise<SaveResult[] | undefined> {
  const batch = target.events.firestore.batch();
  for (const { event } of items) batch.create(target.events.doc(event.id), toEventDoc(event, target.instance));
  try {
    await batch.commit();
  } catch (err) {
    if ((err as { code?: unknown }).code === ALREADY_EXISTS) return undefined;
    throw err;
  }
  return items.map(() => ({ status: 'saved' }));
}
