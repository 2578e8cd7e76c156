import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { SqliteBatchSaver } from '../../src/storage/sqlite/save-batch.js';
import { applySchema } from '../../src/storage/sqlite/schema.js';

function fake(createdAt: number, contentBytes: number): VerifiedEvent {
  return {
    id: randomBytes(32).toString('hex'),
    pubkey: 'd'.repeat(64),
    created_at: createdAt,
    kind: 1,
    tags: [] as string[][],
    content: 'x'.repeat(contentBytes),
    sig: '0'.repeat(128),
  } as VerifiedEvent;
}

describe('sqlite batch saver when the disk fills up', () => {
  let db: Database.Database | undefined;
  afterEach(() => db?.close());

  it('reports every item of the batch as error with a fixed message, and stores none of them', () => {
    db = new Database(':memory:');
    applySchema(db, { synchronous: 'NORMAL' });
    const saver = new SqliteBatchSaver(db);
    expect(saver.save([{ event: fake(1, 10) }]).map((r) => r.status)).toEqual(['saved']);
    // A real SQLITE_FULL: the database may not grow past its current size plus a few pages.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 3}`);
    const batch = Array.from({ length: 20 }, (_, i) => ({ event: fake(10 + i, 3000) }));
    const results = saver.save(batch);
    if (process.env.SHOW_FULL) console.log(results.map((r) => (r.status === 'error' ? `error:${r.error.message}` : r.status)));
    expect(results.every((r) => r.status === 'error')).toBe(true);
    expect(results.map((r) => (r.status === 'error' ? r.error.message : ''))).toContain('storage full');
    expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
    expect(db.inTransaction).toBe(false);
  });
});
