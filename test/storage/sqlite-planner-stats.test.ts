import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';

// Stored as given: the store trusts its caller to have verified, so these need no real signatures.
function event(pubkey: string, kind: number, i: number): VerifiedEvent {
  return { id: randomBytes(32).toString('hex'), pubkey, created_at: 1_700_000_000 + i, kind, tags: [] as string[][], content: `e${i}`, sig: '0'.repeat(128) } as VerifiedEvent;
}

/**
 * The statistics `PRAGMA optimize` left in the 1M-event bench store (it samples ~2,000 rows per
 * index): they say (pubkey, kind) selects no better than pubkey alone, so the planner took
 * events_pubkey_created for a KeyPackage lookup and walked the author's whole history (42 ms for an
 * author of 10,000 notes; past the query budget for a larger one).
 */
const SAMPLED_STATS: [string, string][] = [
  ['events_created', '1000000 1'],
  ['events_kind_created', '1000000 2001 1'],
  ['events_pubkey_created', '1000000 2001 1'],
  ['events_pubkey_kind_created', '1000000 2001 2001 1'],
  ['sqlite_autoindex_events_1', '1000000 1'],
];

describe('sqlite planner statistics', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const prolificAuthor = async (): Promise<{ path: string; author: string; keyPackage: VerifiedEvent }> => {
    const dir = mkdtempSync(join(tmpdir(), 'mls-relay-stats-'));
    dirs.push(dir);
    const path = join(dir, 'relay.db');
    const author = 'a'.repeat(64);
    const storage = await openSqliteStorage({ path, threads: false, checkpointWorker: false });
    const notes = Array.from({ length: 3000 }, (_, i) => ({ event: event(author, 1, i) }));
    const keyPackage = event(author, 443, 10);
    expect((await storage.events.saveBatch([...notes, { event: keyPackage }])).every((r) => r.status === 'saved')).toBe(true);
    await storage.close();
    return { path, author, keyPackage };
  };

  // 200 rows examined at most: each (author, kind) pair is sought in (pubkey, kind, created_at), so the
  // one KeyPackage is found in a few; the author's 3,000 notes are never walked.
  const lookUp = async (path: string, author: string): Promise<string[]> => {
    const storage = await openSqliteStorage({ path, threads: false, checkpointWorker: false });
    try {
      const found = await storage.events.query([{ authors: [author], kinds: [443, 30443], limit: 10 }], { budget: { rowsLeft: 200, statementMs: 10_000 } });
      return found.map((e) => e.id);
    } finally {
      await storage.close();
    }
  };

  it("finds a prolific author's KeyPackages within a small query budget (no statistics: SQLite's own heuristics)", async () => {
    const { path, author, keyPackage } = await prolificAuthor();
    expect(await lookUp(path, author)).toEqual([keyPackage.id]);
  });

  it('the same with the sampled statistics an earlier version left in the file, which are dropped at open', async () => {
    const { path, author, keyPackage } = await prolificAuthor();
    const raw = new Database(path);
    raw.exec('ANALYZE');
    const stat4 = raw.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'").get();
    if (stat4) raw.exec('DELETE FROM sqlite_stat4');
    raw.exec("DELETE FROM sqlite_stat1 WHERE tbl = 'events'");
    const insert = raw.prepare("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('events', ?, ?)");
    for (const [idx, stat] of SAMPLED_STATS) insert.run(idx, stat);
    raw.close();
    expect(await lookUp(path, author)).toEqual([keyPackage.id]);
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT count(*) FROM sqlite_stat1').pluck().get()).toBe(0);
    reopened.close();
  });

  it('drops the sampled keys of a full ANALYZE (sqlite_stat4) as well as the row counts (sqlite_stat1)', async () => {
    const { path, author, keyPackage } = await prolificAuthor();
    const raw = new Database(path);
    raw.exec('ANALYZE');
    const hasStat4 = raw.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'").get() !== undefined;
    raw.close();
    expect(await lookUp(path, author)).toEqual([keyPackage.id]);
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT count(*) FROM sqlite_stat1').pluck().get()).toBe(0);
    if (hasStat4) expect(reopened.prepare('SELECT count(*) FROM sqlite_stat4').pluck().get()).toBe(0);
    reopened.close();
  });
});
