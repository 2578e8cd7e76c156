import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { PAGE_SIZE } from '../../src/storage/sqlite/schema.js';

// Stored as given: the store trusts its caller to have verified, so these need no real signatures.
function wrap(createdAt: number): VerifiedEvent {
  // A gift wrap's size: its JSON spans several pages either way.
  const content = randomBytes(15_000).toString('base64');
  return { id: randomBytes(32).toString('hex'), pubkey: randomBytes(32).toString('hex'), created_at: createdAt, kind: 1059, tags: [['p', 'c'.repeat(64)]], content, sig: '0'.repeat(128) } as VerifiedEvent;
}

const pageSize = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
};

/** New files get 8 KiB pages (fewer WAL frames per event); a file made with another size keeps it and works as before. */
describe('sqlite: page size', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const scratch = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mls-relay-pages-'));
    dirs.push(dir);
    return join(dir, 'relay.db');
  };

  it('creates a new file with 8 KiB pages', async () => {
    const path = scratch();
    const s = await openSqliteStorage({ path, checkpointWorker: false });
    await s.events.saveBatch([{ event: wrap(1) }]);
    await s.close();
    expect(PAGE_SIZE).toBe(8192);
    expect(pageSize(path)).toBe(8192);
  });

  for (const threads of [false, true]) {
    it(`keeps the page size of a file an earlier version made, and stores and reads in it (reader threads: ${threads})`, async () => {
      const path = scratch();
      // What a relay before 8 KiB pages left: SQLite's default pages, WAL mode, some events.
      const old = new Database(path);
      old.pragma('page_size = 4096');
      old.pragma('journal_mode = WAL');
      old.exec('CREATE TABLE early (x INTEGER)');
      old.close();
      expect(pageSize(path)).toBe(4096);

      const s = await openSqliteStorage({ path, threads, checkpointWorker: false });
      const events = Array.from({ length: 20 }, (_, i) => wrap(100 + i));
      expect((await s.events.saveBatch(events.map((event) => ({ event })))).every((r) => r.status === 'saved')).toBe(true);
      const found = await s.events.query([{ kinds: [1059], tags: { p: ['c'.repeat(64)] }, limit: 5 }]);
      expect(found.map((e) => e.id)).toEqual(events.slice(-5).reverse().map((e) => e.id));
      expect(found[0]!.content).toBe(events[19]!.content);
      await s.close();
      expect(pageSize(path)).toBe(4096);
    });
  }
});
