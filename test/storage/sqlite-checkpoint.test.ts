import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { WalCheckpointer } from '../../src/storage/sqlite/checkpointer.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { applySchema } from '../../src/storage/sqlite/schema.js';
import type { Storage } from '../../src/storage/types.js';

// Stored as given: the store trusts its caller to have verified, so these need no real signatures.
function bulky(i: number, bytes: number): VerifiedEvent {
  return {
    id: randomBytes(32).toString('hex'),
    pubkey: 'e'.repeat(64),
    created_at: 1_700_000_000 + i,
    kind: 1059,
    tags: [['p', randomBytes(32).toString('hex')]],
    content: randomBytes(bytes).toString('base64'),
    sig: '0'.repeat(128),
  } as VerifiedEvent;
}

const walBytes = (path: string): number => {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
};

describe('sqlite WAL checkpoints in a worker thread', () => {
  const dirs: string[] = [];
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dbPath = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mls-relay-ckpt-'));
    dirs.push(dir);
    return join(dir, 'relay.db');
  };

  it('copies committed pages into the database file while the connection itself does not checkpoint', async () => {
    const path = dbPath();
    const db = new Database(path);
    applySchema(db, { synchronous: 'NORMAL' });
    const checkpointer = await WalCheckpointer.start(db, path, { intervalMs: 20 });
    cleanups.push(async () => {
      await checkpointer.stop();
      db.close();
    });
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO kv (collection, key, value) VALUES (?, ?, ?)');
    // ~2 MiB in 200 commits: below the connection's own backstop, so only the worker can copy it.
    for (let i = 0; i < 200; i++) insert.run('c', `k${i}`, randomBytes(8192).toString('base64'));
    // 32 MiB of the file's 4 KiB pages.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(8192);
    await expect.poll(() => statSync(path).size, { timeout: 5000, interval: 20 }).toBeGreaterThan(before + 2_000_000);
  });

  it('hands checkpointing back to the connection when the worker dies', async () => {
    const path = dbPath();
    const db = new Database(path);
    applySchema(db, { synchronous: 'NORMAL' });
    const failures: string[] = [];
    const checkpointer = await WalCheckpointer.start(db, path, { onFailure: (why) => failures.push(why) });
    cleanups.push(() => {
      db.close();
    });
    await checkpointer.crash();
    expect(failures.join()).toMatch(/exited/);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('keeps the WAL bounded under sustained batches, and every saved event is there after reopening', async () => {
    const path = dbPath();
    let storage: Storage = await openSqliteStorage({ path });
    cleanups.push(() => storage.close());
    let maxWal = 0;
    const ids: string[] = [];
    // ~120 MB of events in back-to-back batches, more than three times the backstop.
    for (let b = 0; b < 120; b++) {
      const batch = Array.from({ length: 25 }, (_, i) => bulky(b * 25 + i, 30_000));
      const results = await storage.events.saveBatch(batch.map((event) => ({ event })));
      expect(results.every((r) => r.status === 'saved')).toBe(true);
      ids.push(...batch.map((e) => e.id));
      maxWal = Math.max(maxWal, walBytes(path));
    }
    expect(maxWal).toBeGreaterThan(0);
    expect(maxWal).toBeLessThan(64 * 1024 * 1024);
    await storage.close();
    storage = await openSqliteStorage({ path });
    expect(await storage.events.count([{ kinds: [1059] }])).toBe(ids.length);
    expect(await storage.events.has(ids[ids.length - 1]!)).toBe(true);
  });

  it('checkpoints at the configured interval (storage.sqlite.checkpoint_interval_ms)', async () => {
    const copiedWithin = async (checkpointIntervalMs: number): Promise<number> => {
      const path = dbPath();
      const storage = await openSqliteStorage({ path, threads: false, checkpointIntervalMs });
      cleanups.push(() => storage.close());
      // Let the worker's first run go by, then ~1.5 MB in 10 commits (far below the connection's backstop).
      await new Promise((r) => setTimeout(r, 300));
      const before = statSync(path).size;
      for (let b = 0; b < 10; b++) await storage.events.saveBatch(Array.from({ length: 5 }, (_, i) => ({ event: bulky(b * 5 + i, 30_000) })));
      await new Promise((r) => setTimeout(r, 1000));
      return statSync(path).size - before;
    };
    expect(await copiedWithin(50)).toBeGreaterThan(1_000_000);
    // A minute apart: nothing of it reaches the database file within a second.
    expect(await copiedWithin(60_000)).toBe(0);
  });
});
