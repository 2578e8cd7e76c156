import type { Database } from 'better-sqlite3';

/**
 * Removal without tombstones (admin bans, retention) and the NIP-40 purge, on the connection that
 * writes events (the writer thread's, or the relay's own for in-memory databases).
 */
export class EventRemover {
  /** Removes the events with these ids and their tag rows, in one transaction; returns how many. */
  readonly remove: (ids: string[]) => number;
  /**
   * Removes up to `chunk` events whose expiry is at or before `now`, in one transaction; returns how
   * many. A step that removes fewer than `chunk` also removes the expired kv documents (same database).
   */
  readonly purgeStep: (now: number, chunk: number) => number;

  constructor(db: Database) {
    const seqById = db.prepare('SELECT seq FROM events WHERE id = ?').pluck();
    const deleteTags = db.prepare('DELETE FROM tags WHERE eid = ?');
    const deleteEvent = db.prepare('DELETE FROM events WHERE seq = ?');
    this.remove = db.transaction((ids: string[]) => {
      let n = 0;
      for (const id of new Set(ids)) {
        const seq = seqById.get(id) as number | undefined;
        if (seq === undefined) continue;
        deleteTags.run(seq);
        n += deleteEvent.run(seq).changes;
      }
      return n;
    });
    const expiredSeqs = db.prepare('SELECT seq FROM events WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?').pluck();
    const purgeKv = db.prepare('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?');
    this.purgeStep = db.transaction((now: number, chunk: number) => {
      const seqs = expiredSeqs.all(now, chunk) as number[];
      for (const seq of seqs) {
        deleteTags.run(seq);
        deleteEvent.run(seq);
      }
      if (seqs.length < chunk) purgeKv.run(now);
      return seqs.length;
    });
  }
}
