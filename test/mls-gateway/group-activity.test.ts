import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../extensions/mls-gateway/collections.js';
import { GroupActivity, mergeRecords, type GroupRecord } from '../../extensions/mls-gateway/groups/group-activity.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { KeyValueStore, KvUpdateFn, Storage } from '../../src/storage/types.js';

// Issue 18: the group registry is counted in memory and written at most once per flush per group, to shards.
let storage: Storage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
});

/** The store's kv, counting the updates per key. */
function countingKv(kv: KeyValueStore, updates: Map<string, number>): KeyValueStore {
  return {
    ...kv,
    get: (c, k) => kv.get(c, k),
    put: (c, k, v, o) => kv.put(c, k, v, o),
    delete: (c, k) => kv.delete(c, k),
    list: (c, o) => kv.list(c, o),
    update: <T>(c: string, k: string, fn: KvUpdateFn<T>, o?: Parameters<KeyValueStore['update']>[3]) => {
      updates.set(`${c}/${k}`, (updates.get(`${c}/${k}`) ?? 0) + 1);
      return kv.update<T>(c, k, fn, o);
    },
  };
}

describe('GroupActivity', () => {
  it('writes one shard document per group per flush, however many messages, and two instances add up', async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    const updates = new Map<string, number>();
    const kv = countingKv(storage.kv, updates);
    const a = new GroupActivity(kv, { shards: 4, flushMs: 60_000 });
    const b = new GroupActivity(kv, { shards: 4, flushMs: 60_000 });
    for (let i = 0; i < 50; i++) a.record('g1', 1000 + i, 5000, String(i));
    for (let i = 0; i < 30; i++) b.record('g1', 900 + i, 4000);
    b.record('g2', 7, 4000);
    // Unflushed counts are this instance's own: A sees its 50, not B's.
    expect((await a.get('g1'))?.messageCount).toBe(50);
    await Promise.all([a.flush(), b.flush()]);
    // One update per group per instance: A's g1, B's g1 and B's g2 (the two g1 may pick the same shard).
    expect([...updates.values()].reduce((x, y) => x + y, 0)).toBe(3);
    expect([...updates.keys()].every((k) => k.startsWith(`${COLLECTIONS.groupActivity}/g`))).toBe(true);
    const g1 = await a.get('g1');
    expect(g1).toEqual({ group: 'g1', firstSeen: 4000, lastActivity: 1049, messageCount: 80, epochHint: '49' });
    expect((await b.get('g2'))?.messageCount).toBe(1);
    expect((await a.list(10)).map((r) => [r.group, r.messageCount])).toEqual([
      ['g1', 80],
      ['g2', 1],
    ]);
    await a.close();
    await b.close();
  });

  it('merges a record written before the registry was sharded', async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    const legacy: GroupRecord = { group: 'g', firstSeen: 10, lastActivity: 20, messageCount: 7, epochHint: 'old' };
    await storage.kv.put(COLLECTIONS.groups, 'g', legacy);
    const act = new GroupActivity(storage.kv, { flushMs: 60_000 });
    act.record('g', 30, 40);
    await act.close();
    expect(await act.get('g')).toEqual({ group: 'g', firstSeen: 10, lastActivity: 30, messageCount: 8, epochHint: 'old' });
  });

  it('keeps the newer epoch hint whichever side it comes from', () => {
    const old: GroupRecord = { group: 'g', firstSeen: 1, lastActivity: 5, messageCount: 1, epochHint: 'a' };
    const newer: GroupRecord = { group: 'g', firstSeen: 2, lastActivity: 9, messageCount: 1 };
    expect(mergeRecords(old, newer).epochHint).toBe('a');
    expect(mergeRecords(newer, { ...old, lastActivity: 10 }).epochHint).toBe('a');
    expect(mergeRecords(old, { ...newer, epochHint: 'b' }).epochHint).toBe('b');
  });
});
