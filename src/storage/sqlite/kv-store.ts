import Database, { type Statement } from 'better-sqlite3';
import type { KeyValueStore, KvEntry, KvListOptions, KvUpdateFn, KvWriteOptions } from '../types.js';
import { guarded } from './errors.js';
import type { GroupCommit } from './group-commit.js';

type ValueRow = { value: string; expires_at: number | null };
type EntryRow = { key: string; value: string };

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function encode(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('kv values must be JSON-serialisable (not undefined or a function)');
  return json;
}

/**
 * The KeyValueStore port on the same SQLite database as the events. Values are stored as JSON.
 * A document whose `expires_at` (unix seconds) is at or before now is treated as absent by every
 * method; purgeExpired of the event store removes it for good.
 */
export class SqliteKeyValueStore implements KeyValueStore {
  private readonly st: Record<'get' | 'upsert' | 'delete' | 'list' | 'listLimit', Statement>;

  constructor(
    db: Database.Database,
    /** Shared with the event store: see GroupCommit. */
    private readonly writes: GroupCommit,
  ) {
    const live = '(expires_at IS NULL OR expires_at > ?)';
    this.st = {
      get: db.prepare(`SELECT value, expires_at FROM kv WHERE collection = ? AND key = ? AND ${live}`),
      upsert: db.prepare(
        `INSERT INTO kv (collection, key, value, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      ),
      delete: db.prepare('DELETE FROM kv WHERE collection = ? AND key = ?'),
      list: db.prepare(`SELECT key, value FROM kv WHERE collection = ? AND key >= ? AND ${live} ORDER BY key`),
      listLimit: db.prepare(`SELECT key, value FROM kv WHERE collection = ? AND key >= ? AND ${live} ORDER BY key LIMIT ?`),
    };
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    const row = guarded(() => this.st.get.get(collection, key, unixNow()) as ValueRow | undefined);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async put<T>(collection: string, key: string, value: T, opts: KvWriteOptions = {}): Promise<void> {
    const json = encode(value);
    await this.writes.run(() => this.st.upsert.run(collection, key, json, opts.expiresAt ?? null));
  }

  async delete(collection: string, key: string): Promise<void> {
    await this.writes.run(() => this.st.delete.run(collection, key));
  }

  async list<T>(collection: string, opts: KvListOptions = {}): Promise<KvEntry<T>[]> {
    const prefix = opts.prefix ?? '';
    const { after, limit } = opts;
    // Read from the cursor when it lies past the prefix (the cursor itself is skipped below).
    const from = after !== undefined && after > prefix ? after : prefix;
    const out: KvEntry<T>[] = [];
    if (limit === 0) return out;
    guarded(() => {
      const rows =
        limit === undefined
          ? this.st.list.iterate(collection, from, unixNow())
          : this.st.listLimit.iterate(collection, from, unixNow(), after === undefined ? limit : limit + 1);
      // Keys with the prefix are contiguous in key order from `prefix` on: stop at the first that lacks it.
      for (const row of rows as IterableIterator<EntryRow>) {
        if (!row.key.startsWith(prefix)) break;
        if (after !== undefined && row.key <= after) continue;
        out.push({ key: row.key, value: JSON.parse(row.value) as T });
        if (limit !== undefined && out.length >= limit) break;
      }
    });
    return out;
  }

  async update<T>(collection: string, key: string, fn: KvUpdateFn<T>, opts: KvWriteOptions = {}): Promise<T | undefined> {
    // Read, fn and write run back to back inside the group's transaction: nothing interleaves.
    return this.writes.run(() => {
      const row = this.st.get.get(collection, key, unixNow()) as ValueRow | undefined;
      const next = fn(row ? (JSON.parse(row.value) as T) : undefined);
      if (next === undefined) this.st.delete.run(collection, key);
      // A live document keeps its expiry across updates; a new (or expired) one gets opts.expiresAt.
      else this.st.upsert.run(collection, key, encode(next), row ? row.expires_at : (opts.expiresAt ?? null));
      return next;
    });
  }
}

