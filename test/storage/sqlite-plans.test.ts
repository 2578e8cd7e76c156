import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Filter } from '../../src/nostr/filter.js';
import { buildCountQuery, buildPageQuery, EXAMINE_FUNCTION, NEXT_KIND_OF_AUTHOR } from '../../src/storage/sqlite/query-builder.js';
import { applySchema } from '../../src/storage/sqlite/schema.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const db = new Database(':memory:');
applySchema(db, { synchronous: 'NORMAL' });
// The store's budget function (event-store.ts); here it only has to exist: the plans must not change with it.
db.function(EXAMINE_FUNCTION, { deterministic: false }, () => 1);
afterAll(() => db.close());

/** The EXPLAIN QUERY PLAN lines of the page query the store would run for `filter`. */
function plan(filter: Filter, cursor = false): string[] {
  const built = buildPageQuery(filter, { now: 1, pageSize: 100, cursor: cursor ? { createdAt: 5, id: A } : undefined });
  if (!built) throw new Error('empty filter');
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(...built.params) as { detail: string }[];
  return rows.map((r) => r.detail);
}

/**
 * The query shapes the relay serves most, checked against the planner so that an index change or
 * a query-builder change that falls back to a table scan fails here rather than in production.
 */
describe('sqlite query plans', () => {
  it('authors + kinds seek (pubkey, kind, created_at)', () => {
    const lines = plan({ authors: [A, B], kinds: [0, 10002], limit: 10 });
    if (process.env.SHOW_PLANS) console.log('authors+kinds', lines);
    expect(lines.join('\n')).toMatch(/SEARCH e USING INDEX events_pubkey_kind_created \(pubkey=\? AND kind=\?\)/);
  });

  it("an author's KeyPackages (two kinds) seek each (author, kind) pair instead of walking the author's history", () => {
    const lines = plan({ authors: [A], kinds: [443, 30443], limit: 10 });
    if (process.env.SHOW_PLANS) console.log('keypackages', lines);
    expect(lines.filter((l) => /SEARCH e USING INDEX events_pubkey_kind_created \(pubkey=\? AND kind=\?\)/.test(l))).toHaveLength(2);
  });

  it("authors alone: the runner finds each author's kinds one seek at a time in (pubkey, kind, created_at)", () => {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${NEXT_KIND_OF_AUTHOR}`).all(A, -1) as { detail: string }[];
    const lines = rows.map((r) => r.detail);
    if (process.env.SHOW_PLANS) console.log('next kind', lines);
    expect(lines.join('\n')).toMatch(/SEARCH events USING COVERING INDEX events_pubkey_kind_created \(pubkey=\? AND kind>\?\)/);
    expect(lines.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('authors alone with one kind found seek (pubkey, kind) newest first', () => {
    const lines = plan({ authors: [A], kinds: [1], limit: 50 });
    if (process.env.SHOW_PLANS) console.log('authors, one kind', lines);
    expect(lines.join('\n')).toMatch(/SEARCH e USING INDEX events_pubkey_kind_created \(pubkey=\? AND kind=\?\)/);
    expect(lines.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });

  it('one author index: an event costs the rowid table, id, (pubkey, kind), (kind), (created_at) and the partial ones', () => {
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").pluck().all() as string[]);
    expect(names).toEqual(['events_coordinate', 'events_created', 'events_expires', 'events_kind_created', 'events_pubkey_kind_created', 'sqlite_autoindex_events_1']);
  });

  it('kinds alone seek (kind, created_at) and sort only the id tie-break', () => {
    const lines = plan({ kinds: [445], limit: 10 });
    if (process.env.SHOW_PLANS) console.log('kinds', lines);
    expect(lines.join('\n')).toMatch(/SEARCH e USING INDEX events_kind_created \(kind=\?\)/);
    expect(lines.join('\n')).toMatch(/TEMP B-TREE FOR LAST TERM OF ORDER BY/);
  });

  it('#h with kinds walks the tag index newest first and joins events by rowid', () => {
    const lines = plan({ kinds: [445], tags: { h: ['group'] }, limit: 100 });
    if (process.env.SHOW_PLANS) console.log('#h', lines);
    expect(lines[0]).toMatch(/SEARCH t0 USING PRIMARY KEY \(name=\? AND value=\?\)/);
    expect(lines[1]).toMatch(/SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(lines.join('\n')).toMatch(/TEMP B-TREE FOR LAST TERM OF ORDER BY/);
  });

  it('#p with kinds and since bounds the tag index range', () => {
    const lines = plan({ kinds: [1059], tags: { p: [A] }, since: 100 });
    if (process.env.SHOW_PLANS) console.log('#p', lines);
    expect(lines[0]).toMatch(/SEARCH t0 USING PRIMARY KEY \(name=\? AND value=\? AND created_at>\?\)/);
  });

  it('a later page of #p seeks below the cursor', () => {
    const lines = plan({ tags: { p: [A] } }, true);
    if (process.env.SHOW_PLANS) console.log('#p page 2', lines);
    expect(lines[0]).toMatch(/SEARCH t0 USING PRIMARY KEY \(name=\? AND value=\? AND created_at<\?\)/);
  });

  it('#p with several values uses the tag index through a subquery', () => {
    const lines = plan({ tags: { p: [A, B] } });
    if (process.env.SHOW_PLANS) console.log('#p x2', lines);
    expect(lines.join('\n')).toMatch(/SEARCH tags USING PRIMARY KEY \(name=\? AND value=\?\)/);
    expect(lines.join('\n')).not.toMatch(/SCAN tags/);
  });

  it('ids seek the unique id index', () => {
    const lines = plan({ ids: [A, B] });
    if (process.env.SHOW_PLANS) console.log('ids', lines);
    expect(lines.join('\n')).toMatch(/SEARCH e USING INDEX sqlite_autoindex_events_1 \(id=\?\)/);
  });

  it('an open filter scans the created_at index rather than the table', () => {
    const lines = plan({ limit: 10 });
    if (process.env.SHOW_PLANS) console.log('open', lines);
    expect(lines.join('\n')).toMatch(/SCAN e USING INDEX events_created/);
  });

  it('count uses the same indexes', () => {
    const built = buildCountQuery([{ tags: { h: ['g'] } }, { authors: [A], kinds: [1] }], 1);
    const lines = (db.prepare(`EXPLAIN QUERY PLAN ${built?.sql}`).all(...(built?.params ?? [])) as { detail: string }[]).map((r) => r.detail);
    if (process.env.SHOW_PLANS) console.log('count', lines);
    expect(lines.join('\n')).toMatch(/SEARCH t0 USING PRIMARY KEY/);
    expect(lines.join('\n')).toMatch(/events_pubkey_kind_created/);
  });
});
