import type { Database } from 'better-sqlite3';

/** The schema version this code writes; stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 2;

/**
 * Tables and indexes of the SQLite backend.
 *
 * - `events`: one row per stored event. `seq` is the rowid (small join key for the tag table);
 *   `raw` is the event's NIP-01 JSON (built inside the INSERT, event-row.ts RAW_JSON_SQL), so reads never re-serialise. `d` is '' for replaceable
 *   kinds, the d tag for addressable kinds and NULL otherwise; the partial unique index on
 *   (kind, pubkey, d) makes "one version per coordinate" an invariant of the database itself.
 * - `tags`: single-letter tags, one row per distinct (event, letter, value), with the event's
 *   created_at copied in so that `#h`/`#p` queries walk the index newest first and stop at the limit.
 *   WITHOUT ROWID: the primary key is the whole row, so a tag costs one B-tree entry, not a row plus an index entry.
 * - `deleted_ids` / `deleted_addresses`: NIP-09 tombstones (WITHOUT ROWID for the same reason).
 * - `kv`: the KeyValueStore documents.
 *
 * Why each index exists (every index is one more B-tree write per event; an index no query needs is
 * pure ingest cost):
 * - `id UNIQUE`: the duplicate check before verifying (`has`), `ids` filters, NIP-09 targets.
 * - `events_pubkey_kind_created`: `authors` + `kinds` filters (a member's 10051/10002 lists, KeyPackages), newest
 *   first; and `authors` alone: the runner first finds the author's kinds in it (one seek per kind) and then seeks
 *   each (author, kind), so one author index serves both. A second one, (pubkey, created_at), cost 1.6 WAL frames
 *   per event (MLS messages and gift wraps are signed by throwaway keys, so every author index takes a random leaf
 *   per event); schema version 2 dropped it.
 * - `events_kind_created`: `kinds` without authors or tags (e.g. all 30443 KeyPackages), newest first.
 * - `events_created`: filters with none of the above (`since`/`until` only, or a tag with several values), newest first.
 * - `events_coordinate` (partial: replaceable and addressable only): one version per coordinate, and its lookup on save.
 * - `events_expires` (partial: events with NIP-40 expiration only): the purge.
 * - `tags_eid`: removing an event's tag rows when it is replaced, deleted or purged (without it each removal scans the tag table).
 * - `kv_expires` (partial): the kv purge.
 * (sqlite-plans.test.ts checks that the query shapes use them.)
 *
 * synchronous: NORMAL by default (openSqliteStorage). In WAL mode a commit is written to the WAL
 * before it returns, so `OK true` survives a crash or kill of the process; the WAL is fsynced at
 * checkpoints only, so a power cut or kernel crash may lose the batches committed since the last
 * checkpoint (SQLite syncs the WAL before each checkpoint, and the checkpoint worker runs every
 * `checkpoint_interval_ms`, 250 ms by default, so typically well under a second of acknowledged
 * events), never corrupting the file. FULL fsyncs every commit, now on the writer thread rather
 * than the event loop, and is the choice when an
 * acknowledged MLS Commit must survive power loss too (openSqliteStorage's `synchronous`; not yet a
 * config key).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS events (
  seq        INTEGER PRIMARY KEY,
  id         TEXT    NOT NULL UNIQUE,
  pubkey     TEXT    NOT NULL,
  kind       INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  d          TEXT,
  expires_at INTEGER,
  raw        TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_pubkey_kind_created ON events (pubkey, kind, created_at);
CREATE INDEX IF NOT EXISTS events_kind_created ON events (kind, created_at);
CREATE INDEX IF NOT EXISTS events_created ON events (created_at);
CREATE UNIQUE INDEX IF NOT EXISTS events_coordinate ON events (kind, pubkey, d) WHERE d IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_expires ON events (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS tags (
  name       TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  eid        INTEGER NOT NULL,
  PRIMARY KEY (name, value, created_at, eid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_eid ON tags (eid);

CREATE TABLE IF NOT EXISTS deleted_ids (
  id      TEXT NOT NULL,
  deleter TEXT NOT NULL,
  PRIMARY KEY (id, deleter)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS deleted_addresses (
  kind   INTEGER NOT NULL,
  pubkey TEXT    NOT NULL,
  d      TEXT    NOT NULL,
  until  INTEGER NOT NULL,
  PRIMARY KEY (kind, pubkey, d)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS kv (
  collection TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (collection, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
`;

/**
 * Sets the connection pragmas and creates the schema when missing.
 * WAL lets readers run beside the writer; synchronous=NORMAL syncs the WAL at checkpoints rather
 * than at every commit (see openSqliteStorage for what that means for durability).
 * Throws when the file was written by a newer schema version, rather than guessing.
 */
export function applySchema(db: Database, opts: { synchronous: 'NORMAL' | 'FULL' }): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous}`);
  db.pragma('foreign_keys = OFF');
  // 32 MiB of page cache (the default is 2 MiB): the id and tag indexes are keyed by random hex,
  // so inserts touch leaves all over them.
  db.pragma('cache_size = -32768');
  // Savepoint sub-journals and ORDER BY sorts go to memory instead of temp files: with the per-item
  // savepoints of saveBatch this cut the write syscalls of a 500-event batch about fourfold.
  db.pragma('temp_store = MEMORY');
  // A second process (an admin CLI) may hold the write lock briefly; wait instead of failing at once.
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`database schema version ${version} is newer than this relay understands (${SCHEMA_VERSION})`);
  }
  db.exec(DDL);
  if (version < SCHEMA_VERSION) migrate(db);
  forgetPlannerStatistics(db);
}

/**
 * Brings a file of an older schema version to this one. Every connection of a cluster opens through
 * applySchema; the first to take the write lock migrates, the others find the work done.
 * - 1 → 2: `events_pubkey_created` dropped (see the index list above).
 */
function migrate(db: Database): void {
  db.transaction(() => {
    db.exec('DROP INDEX IF EXISTS events_pubkey_created');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The relay's few query shapes are planned by SQLite's default heuristics, which sqlite-plans.test.ts
 * checks. Statistics change those plans, and sampled ones for the worse: the ones `PRAGMA optimize`
 * wrote (it samples ~2,000 rows per index) said (pubkey, kind) selects no better than pubkey alone,
 * so a KeyPackage lookup walked the author's whole history (42 ms at 10,000 notes; past the query
 * budget beyond). So the relay writes none, and drops any a file carries from earlier versions or tools.
 */
function forgetPlannerStatistics(db: Database): void {
  // stat1 (rows per index prefix) and stat4 (sampled keys, which better-sqlite3's SQLite also reads).
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('sqlite_stat1', 'sqlite_stat4')").pluck().all() as string[])
    // Only tables with rows: every connection of a cluster opens through here, and a write needs the lock.
    .filter((name) => db.prepare(`SELECT 1 FROM ${name} LIMIT 1`).get() !== undefined);
  if (tables.length === 0) return;
  for (const name of tables) db.exec(`DELETE FROM ${name}`);
  // Makes this connection's planner reread the (now empty) statistics.
  db.exec('ANALYZE sqlite_schema');
}
