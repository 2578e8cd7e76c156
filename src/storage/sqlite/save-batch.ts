import type { Database, Statement } from 'better-sqlite3';
import { allowsDeletion, AUTHOR_ONLY, type DeletionTarget } from '../../nostr/deletion.js';
import type { VerifiedEvent } from '../../nostr/event.js';
import { DELETION_KIND } from '../../nostr/kinds.js';
import type { SaveItem, SaveResult, SaveStatus } from '../types.js';
import { toStorageError } from './errors.js';
import { coordinateD, expiresAtOf, indexedTags, insertEventParams, RAW_JSON_SQL } from './event-row.js';

export type { SaveItem };

type CoordRow = { seq: number; id: string; created_at: number };
type TargetRow = { seq: number; pubkey: string; kind: number; raw: string };

/** A stored event as a deletion rule sees it (deletions only: the tags are parsed from the stored text). */
function storedTarget(row: TargetRow): DeletionTarget {
  return { pubkey: row.pubkey, kind: row.kind, tags: (JSON.parse(row.raw) as { tags: string[][] }).tags };
}

/**
 * The write side of the SQLite event store: prepared statements and the NIP-01/NIP-09 rules,
 * applied item by item inside one transaction so that later items of a batch see earlier ones.
 */
export class SqliteBatchSaver {
  private readonly st: Record<
    | 'hasId'
    | 'tombDeleters'
    | 'addressUntil'
    | 'coordinate'
    | 'insertEvent'
    | 'insertTag'
    | 'targetById'
    | 'deleteTags'
    | 'deleteEvent'
    | 'insertTomb'
    | 'seqsAtAddress'
    | 'upsertAddressTomb',
    Statement
  >;
  /** One item in a SAVEPOINT: better-sqlite3 turns a transaction function called inside another into a savepoint. */
  private readonly runItem: (item: SaveItem) => SaveStatus;

  constructor(private readonly db: Database) {
    this.st = {
      hasId: db.prepare('SELECT 1 FROM events WHERE id = ?').pluck(),
      tombDeleters: db.prepare('SELECT deleter FROM deleted_ids WHERE id = ?').pluck(),
      addressUntil: db.prepare('SELECT until FROM deleted_addresses WHERE kind = ? AND pubkey = ? AND d = ?').pluck(),
      coordinate: db.prepare('SELECT seq, id, created_at FROM events WHERE kind = ? AND pubkey = ? AND d = ?'),
      insertEvent: db.prepare(
        `INSERT INTO events (id, pubkey, kind, created_at, d, expires_at, raw) VALUES (@id, @pubkey, @kind, @created_at, @d, @expires_at, ${RAW_JSON_SQL})`,
      ),
      insertTag: db.prepare('INSERT OR IGNORE INTO tags (name, value, created_at, eid) VALUES (?, ?, ?, ?)'),
      targetById: db.prepare('SELECT seq, pubkey, kind, raw FROM events WHERE id = ?'),
      deleteTags: db.prepare('DELETE FROM tags WHERE eid = ?'),
      deleteEvent: db.prepare('DELETE FROM events WHERE seq = ?'),
      insertTomb: db.prepare('INSERT OR IGNORE INTO deleted_ids (id, deleter) VALUES (?, ?)'),
      seqsAtAddress: db
        .prepare('SELECT seq FROM events WHERE kind = ? AND pubkey = ? AND d = ? AND created_at <= ?')
        .pluck(),
      upsertAddressTomb: db.prepare(
        `INSERT INTO deleted_addresses (kind, pubkey, d, until) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, pubkey, d) DO UPDATE SET until = max(until, excluded.until)`,
      ),
    };
    this.runItem = db.transaction((item: SaveItem) => this.saveOne(item));
  }

  /**
   * Saves the items inside a transaction the caller has open (the store's group commit) and
   * returns one result per item, in order; later items see earlier ones. An item that throws is
   * rolled back to its own savepoint and reported as `error`; the others stay. Throws only when
   * SQLite rolled back the caller's whole transaction (disk full, I/O).
   */
  saveWithin(items: SaveItem[]): SaveResult[] {
    return items.map((item) => this.saveIsolated(item));
  }

  private saveIsolated(item: SaveItem): SaveResult {
    try {
      return { status: this.runItem(item) };
    } catch (err) {
      // Some errors (disk full, I/O, out of memory) make SQLite roll back the whole transaction. The
      // rest of the batch must not then run in autocommit: abort it, so every item reports error.
      if (!this.db.inTransaction) throw err;
      return { status: 'error', error: toStorageError(err) };
    }
  }

  private saveOne({ event: ev, deletion, mayDelete = AUTHOR_ONLY }: SaveItem): SaveStatus {
    if (this.st.hasId.get(ev.id) !== undefined) return 'duplicate';
    const tombs = this.st.tombDeleters.all(ev.id) as string[];
    if (tombs.some((pk) => allowsDeletion(mayDelete, pk, ev))) return 'deleted';
    const d = coordinateD(ev);
    if (d !== undefined) {
      const until = this.st.addressUntil.get(ev.kind, ev.pubkey, d) as number | undefined;
      if (until !== undefined && ev.created_at <= until) return 'deleted';
      const current = this.st.coordinate.get(ev.kind, ev.pubkey, d) as CoordRow | undefined;
      if (current) {
        // Newest wins; on equal created_at the lowest id wins (NIP-01).
        const keepCurrent =
          current.created_at > ev.created_at || (current.created_at === ev.created_at && current.id < ev.id);
        if (keepCurrent) return 'superseded';
        this.deleteSeq(current.seq);
      }
    }
    const { lastInsertRowid } = this.st.insertEvent.run(insertEventParams(ev, d ?? null, expiresAtOf(ev) ?? null));
    for (const [name, value] of indexedTags(ev)) this.st.insertTag.run(name, value, ev.created_at, lastInsertRowid);
    if (deletion && ev.kind === DELETION_KIND) this.applyDeletion(ev, deletion, mayDelete);
    return 'saved';
  }

  /**
   * Applies a NIP-09 request (see DeletionRequest): removes the listed ids the deleter may delete
   * — decided here, inside the transaction, on the stored copy (the relay's rule), since a target may
   * have been stored after the relay planned the deletion — and the versions at the listed
   * coordinates up to the deletion's created_at, and records tombstones so that later copies are
   * refused (ids: only when the rule lets the deleter delete the arriving copy).
   */
  private applyDeletion(ev: VerifiedEvent, req: NonNullable<SaveItem['deletion']>, mayDelete: NonNullable<SaveItem['mayDelete']>): void {
    for (const id of req.ids) {
      const target = this.st.targetById.get(id) as TargetRow | undefined;
      if (target) {
        if (!allowsDeletion(mayDelete, ev.pubkey, storedTarget(target))) continue; // someone else's event: untouched, no tombstone
        this.deleteSeq(target.seq);
      }
      this.st.insertTomb.run(id, ev.pubkey);
    }
    for (const a of req.addresses) {
      const seqs = this.st.seqsAtAddress.all(a.kind, a.pubkey, a.d, ev.created_at) as number[];
      for (const seq of seqs) this.deleteSeq(seq);
      this.st.upsertAddressTomb.run(a.kind, a.pubkey, a.d, ev.created_at);
    }
  }

  private deleteSeq(seq: number): void {
    this.st.deleteTags.run(seq);
    this.st.deleteEvent.run(seq);
  }
}
