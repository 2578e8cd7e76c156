import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { RelayError } from '../../src/nostr/reasons.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { identity, now, signed } from '../helpers.js';
import { eventStoreContract } from './event-store-contract.js';
import { kvContract } from './kv-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'mls-relay-sqlite-'));
let files = 0;
/**
 * A fresh database file per call, in a directory that does not exist yet (the factory must create it).
 * Without the checkpoint worker (a second to start per store under tsx): it changes when the WAL is
 * copied, not what a query sees, and sqlite-checkpoint.test.ts tests it.
 */
const openFile = () => openSqliteStorage({ path: join(dir, `db-${++files}`, 'relay.db'), checkpointWorker: false });
// The same contract with event writes on the writer thread (storage.sqlite.writer_thread).
const openFileWriterThread = () => openSqliteStorage({ path: join(dir, `db-${++files}`, 'relay.db'), checkpointWorker: false, writerThread: true });
const openMemory = () => openSqliteStorage({ path: ':memory:' });
// The kv store runs on the relay's connection either way: no store threads for its contract.
const openFileKv = () => openSqliteStorage({ path: join(dir, `db-${++files}`, 'relay.db'), checkpointWorker: false, threads: false });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventStoreContract('sqlite file', openFile);
eventStoreContract('sqlite file, writer thread', openFileWriterThread);
eventStoreContract('sqlite :memory:', openMemory);
kvContract('sqlite file', openFileKv);
kvContract('sqlite :memory:', openMemory);

/** An unsigned stand-in: the store never verifies, and signing thousands of events would only slow the test. */
function fake(fields: Partial<VerifiedEvent> & Pick<VerifiedEvent, 'created_at'>): VerifiedEvent {
  return {
    id: randomBytes(32).toString('hex'),
    pubkey: 'a'.repeat(64),
    kind: 1,
    tags: [],
    content: '',
    sig: '0'.repeat(128),
    ...fields,
  } as VerifiedEvent;
}

function newestFirst(a: VerifiedEvent, b: VerifiedEvent): number {
  return b.created_at - a.created_at || (a.id < b.id ? -1 : 1);
}

describe('sqlite backend', () => {
  it('finds every saved event, tombstone and kv document after reopening the file', async () => {
    const path = join(dir, 'reopen', 'relay.db');
    const alice = identity();
    const t = now() - 1000;
    const events = [
      signed(alice, { created_at: t, tags: [['h', 'g1']] }),
      signed(alice, { kind: 0, created_at: t + 1 }),
      signed(alice, { kind: 30443, tags: [['d', 's1']], created_at: t + 2 }),
      signed(alice, { kind: 445, tags: [['h', 'g1']], created_at: t + 3 }),
    ];
    const deletedLater = signed(alice, { created_at: t + 4 });
    const first = await openSqliteStorage({ path });
    expect((await first.events.saveBatch(events.map((event) => ({ event })))).map((r) => r.status)).toEqual(['saved', 'saved', 'saved', 'saved']);
    const del = signed(alice, { kind: 5, tags: [['e', deletedLater.id]], created_at: t + 5 });
    await first.events.saveBatch([{ event: del, deletion: { ids: [deletedLater.id], addresses: [] } }]);
    await first.kv.put('registry', 'group/g1', { members: 3 });
    await first.close();

    const second = await openSqliteStorage({ path });
    try {
      const all = [...events, del].sort(newestFirst);
      expect(await second.events.query([{}])).toEqual(all.map((e) => ({ ...e })));
      expect((await second.events.query([{ tags: { h: ['g1'] } }])).map((e) => e.id)).toEqual([events[3]!.id, events[0]!.id]);
      expect((await second.events.saveBatch([{ event: deletedLater }]))[0]?.status).toBe('deleted');
      expect(await second.kv.get('registry', 'group/g1')).toEqual({ members: 3 });
    } finally {
      await second.close();
    }
  });

  it('keeps every acknowledged batch when the writing process is killed (SIGKILL)', async () => {
    const path = join(dir, 'crash', 'relay.db');
    const writer = fileURLToPath(new URL('./fixtures/sqlite-crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) acknowledged.push(...line.split(','));
        // Kill it mid-stream, while it is still writing batches.
        if (acknowledged.length >= 1000 && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    expect(await exited).toBe('SIGKILL');
    const storage = await openSqliteStorage({ path });
    try {
      const stored = new Set((await storage.events.query([{ tags: { h: ['crash'] } }])).map((e) => e.id));
      expect(acknowledged.length).toBeGreaterThanOrEqual(1000);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('reports a failing item as error, rolls back only that item, and commits the others', async () => {
    const storage = await openMemory();
    try {
      const good1 = fake({ created_at: 100 });
      // A non-string tag value passes JSON but cannot be bound: it fails after its event row was inserted.
      const bad = fake({ created_at: 101, tags: [['t', { no: 'string' } as unknown as string]] });
      const good2 = fake({ created_at: 102, tags: [['t', 'fine']] });
      const results = await storage.events.saveBatch([{ event: good1 }, { event: bad }, { event: good2 }]);
      expect(results.map((r) => r.status)).toEqual(['saved', 'error', 'saved']);
      const failure = results[1];
      expect(failure?.status === 'error' && failure.error).toBeInstanceOf(RelayError);
      expect(failure?.status === 'error' && failure.error.message).toBe('storage failed');
      expect(await storage.events.has(bad.id)).toBe(false);
      expect(await storage.events.count([{}])).toBe(2);
      expect((await storage.events.query([{ tags: { t: ['fine'] } }])).map((e) => e.id)).toEqual([good2.id]);
    } finally {
      await storage.close();
    }
  });

  it('pages through more rows than one page, in order, with ties across page boundaries', async () => {
    const storage = await openMemory();
    try {
      // 1,300 events over 13 seconds: every page boundary falls inside a run of equal created_at.
      const events = Array.from({ length: 1300 }, (_, i) => fake({ created_at: 1000 + (i % 13), kind: 445, tags: [['h', 'big']] }));
      await storage.events.saveBatch(events.map((event) => ({ event })));
      const expected = [...events].sort(newestFirst).map((e) => e.id);
      expect((await storage.events.query([{}])).map((e) => e.id)).toEqual(expected);
      expect((await storage.events.query([{ tags: { h: ['big'] } }])).map((e) => e.id)).toEqual(expected);
      expect((await storage.events.query([{ kinds: [445], limit: 777 }])).map((e) => e.id)).toEqual(expected.slice(0, 777));
      expect((await storage.events.query([{ tags: { h: ['big'] }, limit: 1001 }])).map((e) => e.id)).toEqual(expected.slice(0, 1001));
      expect(await storage.events.count([{ tags: { h: ['big'] } }])).toBe(1300);
    } finally {
      await storage.close();
    }
  });

  it('stops a scan of several pages when the signal is aborted after it started', async () => {
    const storage = await openMemory();
    try {
      await storage.events.saveBatch(Array.from({ length: 1200 }, (_, i) => ({ event: fake({ created_at: i }) })));
      const ctrl = new AbortController();
      const pending = storage.events.query([{}], { signal: ctrl.signal });
      ctrl.abort(new Error('closed by client'));
      await expect(pending).rejects.toThrow('closed by client');
    } finally {
      await storage.close();
    }
  });

  it('purges more expired events than one purge step, and expired kv documents', async () => {
    const path = join(dir, 'purge', 'relay.db');
    const storage = await openSqliteStorage({ path });
    try {
      const events = Array.from({ length: 1100 }, (_, i) => fake({ created_at: i, tags: [['expiration', '50'], ['p', 'b'.repeat(64)]] }));
      await storage.events.saveBatch([...events, fake({ created_at: 1 })].map((event) => ({ event })));
      await storage.kv.put('claims', 'old', 1, { expiresAt: 50 });
      await storage.kv.put('claims', 'live', 2, { expiresAt: 51 });
      expect(await storage.events.purgeExpired(50)).toBe(1100);
      expect(await storage.events.count([{}], { now: 0 })).toBe(1);
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.prepare('SELECT count(*) FROM tags').pluck().get()).toBe(0);
        expect(raw.prepare('SELECT key FROM kv').pluck().all()).toEqual(['live']);
      } finally {
        raw.close();
      }
    } finally {
      await storage.close();
    }
  });

  it('refuses to open a database written by a newer schema', async () => {
    const path = join(dir, 'future', 'relay.db');
    await (await openSqliteStorage({ path })).close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(openSqliteStorage({ path })).rejects.toThrow(/schema version 99/);
  });

  it('uses WAL with synchronous NORMAL by default and FULL on request', async () => {
    const path = join(dir, 'pragmas', 'relay.db');
    await (await openSqliteStorage({ path })).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
    const full = await openSqliteStorage({ path, synchronous: 'FULL' });
    await expect(full.events.health()).resolves.toBeUndefined();
    await full.close();
  });

  it('closes once, and reports unhealthy after close', async () => {
    const storage = await openMemory();
    await storage.close();
    await expect(storage.close()).resolves.toBeUndefined();
    await expect(storage.events.health()).rejects.toBeInstanceOf(RelayError);
  });
});
