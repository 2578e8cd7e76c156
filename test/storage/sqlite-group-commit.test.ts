import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { openSqliteStorage, type SqliteEventStore } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';

function note(i: number, bytes = 100): VerifiedEvent {
  return {
    id: randomBytes(32).toString('hex'),
    pubkey: 'f'.repeat(64),
    created_at: 1_700_000_000 + i,
    kind: 1,
    tags: [] as string[][],
    content: 'x'.repeat(bytes),
    sig: '0'.repeat(128),
  } as VerifiedEvent;
}

// Event batches commit on the relay's connection (default) or on the writer thread; the rules hold for both.
describe.each([
  ['on the relay connection', false],
  ['on the writer thread', true],
])('sqlite commits (event batches %s: one transaction each; kv writes: one group per event-loop turn)', (_where, writerThread) => {
  let storage: Storage | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await storage?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    storage = dir = undefined;
  });
  async function open(): Promise<{ storage: Storage; path: string }> {
    dir = mkdtempSync(join(tmpdir(), 'mls-relay-group-'));
    const path = join(dir, 'relay.db');
    storage = await openSqliteStorage({ path, writerThread });
    return { storage, path };
  }

  it('resolves each write only once it is committed: another connection already sees it', async () => {
    const { storage, path } = await open();
    const ev = note(1);
    const [results] = await Promise.all([storage.events.saveBatch([{ event: ev }]), storage.kv.put('c', 'k', { n: 1 })]);
    expect(results.map((r) => r.status)).toEqual(['saved']);
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM events WHERE id = ?').pluck().get(ev.id)).toBe(1);
      expect(other.prepare("SELECT value FROM kv WHERE collection = 'c' AND key = 'k'").pluck().get()).toBe('{"n":1}');
    } finally {
      other.close();
    }
  });

  it("fails a write whose update function throws, alone: the others of the same turn commit", async () => {
    const { storage } = await open();
    const ev = note(2);
    const outcomes = await Promise.allSettled([
      storage.kv.put('c', 'a', 1),
      storage.kv.update('c', 'b', () => {
        throw new Error('caller refuses');
      }),
      storage.events.saveBatch([{ event: ev }]),
      storage.kv.update<number>('c', 'n', (n) => (n ?? 0) + 1),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('caller refuses');
    expect(await storage.kv.get('c', 'a')).toBe(1);
    expect(await storage.kv.get('c', 'b')).toBeUndefined();
    expect(await storage.kv.get('c', 'n')).toBe(1);
    expect(await storage.events.has(ev.id)).toBe(true);
  });

  it('applies concurrent updates of one document one after another, none lost', async () => {
    const { storage } = await open();
    await Promise.all(Array.from({ length: 50 }, () => storage.kv.update<number>('c', 'counter', (n) => (n ?? 0) + 1)));
    expect(await storage.kv.get('c', 'counter')).toBe(50);
  });

  it('when the disk is full, every write of the turn fails with a fixed message and none is stored', async () => {
    const { storage, path } = await open();
    expect((await storage.events.saveBatch([{ event: note(3) }]))[0]?.status).toBe('saved');
    // A real SQLITE_FULL: cap the database file (this pragma is per connection, so reach the store's own).
    const capper = new Database(path);
    const pages = capper.pragma('page_count', { simple: true }) as number;
    capper.close();
    const store = storage.events as SqliteEventStore;
    await store.capPages(pages + 2);
    const batch = Array.from({ length: 20 }, (_, i) => ({ event: note(10 + i, 4000) }));
    const [results, kv] = await Promise.allSettled([storage.events.saveBatch(batch), storage.kv.put('c', 'big', 'y'.repeat(50_000))]);
    expect(results.status).toBe('fulfilled');
    const statuses = (results as PromiseFulfilledResult<Awaited<ReturnType<Storage['events']['saveBatch']>>>).value;
    expect(statuses.every((r) => r.status === 'error')).toBe(true);
    // A fixed text for clients and logs, not SQLite's own message.
    expect(statuses.map((r) => (r.status === 'error' ? r.error.message : ''))).toContain('storage full');
    expect(kv.status).toBe('rejected');
    expect((kv as PromiseRejectedResult).reason.message).toBe('storage full');
    expect((storage.events as unknown as { db: Database.Database }).db.inTransaction).toBe(false);
    expect(await storage.events.count([{ kinds: [1] }])).toBe(1);
    expect(await storage.kv.get('c', 'big')).toBeUndefined();
    // The store still works once there is room again.
    await store.capPages(1073741823);
    expect((await storage.events.saveBatch([{ event: note(99) }]))[0]?.status).toBe('saved');
  });
});
