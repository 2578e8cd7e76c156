import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { SCHEMA_VERSION } from '../../src/storage/sqlite/schema.js';
import type { Storage } from '../../src/storage/types.js';

// Stored as given: the store trusts its caller to have verified, so these need no real signatures.
function event(pubkey: string, kind: number, createdAt: number): VerifiedEvent {
  return { id: randomBytes(32).toString('hex'), pubkey, created_at: createdAt, kind, tags: [] as string[][], content: '', sig: '0'.repeat(128) } as VerifiedEvent;
}

/**
 * Schema version 2 keeps one author index, (pubkey, kind, created_at). A filter by authors alone is
 * read as author × kind seeks after the runner finds the author's kinds, so a prolific author's
 * newest events cost a few rows, not a walk and sort of the author's whole history.
 */
describe('sqlite: one author index', () => {
  const dirs: string[] = [];
  const open: Storage[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const scratch = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mls-relay-author-'));
    dirs.push(dir);
    return join(dir, 'relay.db');
  };
  const storage = async (path: string, threads: boolean): Promise<Storage> => {
    const s = await openSqliteStorage({ path, threads, checkpointWorker: false });
    open.push(s);
    return s;
  };

  // 3,000 notes and, among them, a profile, a relay list and two KeyPackages at known times.
  const author = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  const history = (): VerifiedEvent[] => [
    ...Array.from({ length: 3000 }, (_, i) => event(author, 1, 1_000 + 2 * i)),
    event(author, 0, 6_999),
    event(author, 10002, 6_997),
    event(author, 443, 6_995),
    event(author, 30443, 6_993),
    event(other, 1, 7_000),
  ];

  for (const threads of [false, true]) {
    it(`reads an author's newest events of every kind within a small budget (reader threads: ${threads})`, async () => {
      const s = await storage(scratch(), threads);
      const events = history();
      expect((await s.events.saveBatch(events.map((e) => ({ event: e })))).every((r) => r.status === 'saved')).toBe(true);
      // Newest first: the four non-notes interleave with the notes by created_at; the other author's note is not here.
      const expected = events.filter((e) => e.pubkey === author).sort((a, b) => b.created_at - a.created_at).slice(0, 10).map((e) => e.id);
      const found = await s.events.query([{ authors: [author], limit: 10 }], { budget: { rowsLeft: 200, statementMs: 10_000 } });
      expect(found.map((e) => e.id)).toEqual(expected);
      expect(found.map((e) => e.kind)).toEqual([0, 1, 10002, 1, 443, 1, 30443, 1, 1, 1]);
    });
  }

  it('pages past the first 500 rows and across kinds in order, and reads nothing for an author with no events', async () => {
    const s = await storage(scratch(), false);
    const events = history();
    await s.events.saveBatch(events.map((e) => ({ event: e })));
    // Every note but the newest (6,998), and the two KeyPackages.
    const all = await s.events.query([{ authors: [author], until: 6_996 }]);
    expect(all).toHaveLength(2999 + 2);
    expect(all.map((e) => e.created_at)).toEqual([...all.map((e) => e.created_at)].sort((a, b) => b - a));
    expect(await s.events.query([{ authors: ['c'.repeat(64)] }])).toEqual([]);
  });

  it('an author of more kinds than the seeks allow is still read in full (the planner reads and sorts them)', async () => {
    const s = await storage(scratch(), false);
    const many = Array.from({ length: 40 }, (_, k) => event(author, 20_000 + k, 100 + k));
    await s.events.saveBatch(many.map((e) => ({ event: e })));
    const found = await s.events.query([{ authors: [author, other], limit: 100 }]);
    expect(found.map((e) => e.id)).toEqual([...many].reverse().map((e) => e.id));
  });

  it('a version 1 file loses its (pubkey, created_at) index at open and keeps its events', async () => {
    const path = scratch();
    const first = await storage(path, false);
    await first.events.saveBatch(history().map((e) => ({ event: e })));
    await first.close();
    open.splice(0);
    const raw = new Database(path);
    raw.exec('CREATE INDEX events_pubkey_created ON events (pubkey, created_at)');
    raw.pragma('user_version = 1');
    raw.close();

    const reopened = await storage(path, false);
    expect(await reopened.events.query([{ authors: [author], kinds: [443] }])).toHaveLength(1);
    await reopened.close();
    open.splice(0);
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE name = 'events_pubkey_created'").get()).toBeUndefined();
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(2);
    check.close();
  });
});
