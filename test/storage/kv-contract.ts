import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KeyValueStore, Storage } from '../../src/storage/types.js';
import { now } from '../helpers.js';

type Doc = { n: number; tags?: string[] };

/**
 * The KeyValueStore contract: what every backend must do, run unchanged against each of them.
 * `open` returns a fresh, empty Storage for every test; the suite closes it afterwards.
 */
export function kvContract(name: string, open: () => Promise<Storage>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let storage: Storage;
    let kv: KeyValueStore;

    beforeEach(async () => {
      storage = await open();
      kv = storage.kv;
    });

    afterEach(async () => {
      await storage.close();
    });

    describe('get, put, delete', () => {
      it('returns undefined for a missing document', async () => {
        expect(await kv.get('things', 'nope')).toBeUndefined();
      });

      it('round-trips JSON values of every shape', async () => {
        const values: unknown[] = [{ n: 1, nested: { list: [1, 'two', null, true] } }, 'text é 🌍', 42, 0, false, null, [], ['a']];
        for (const [i, value] of values.entries()) await kv.put('things', `k${i}`, value);
        for (const [i, value] of values.entries()) expect(await kv.get('things', `k${i}`)).toEqual(value);
      });

      it('overwrites a document', async () => {
        await kv.put<Doc>('things', 'a', { n: 1, tags: ['x'] });
        await kv.put<Doc>('things', 'a', { n: 2 });
        expect(await kv.get<Doc>('things', 'a')).toEqual({ n: 2 });
      });

      it('keeps collections apart', async () => {
        await kv.put('one', 'k', 1);
        await kv.put('two', 'k', 2);
        expect(await kv.get('one', 'k')).toBe(1);
        expect(await kv.get('two', 'k')).toBe(2);
        await kv.delete('one', 'k');
        expect(await kv.get('one', 'k')).toBeUndefined();
        expect(await kv.get('two', 'k')).toBe(2);
      });

      it('deletes, and deleting a missing document is not an error', async () => {
        await kv.put('things', 'a', 1);
        await kv.delete('things', 'a');
        expect(await kv.get('things', 'a')).toBeUndefined();
        await expect(kv.delete('things', 'a')).resolves.toBeUndefined();
      });

      it('accepts keys with slashes, dots, percent signs and unicode', async () => {
        const keys = ['a/b', '.', '..', '__x__', '100%', 'ключ', 'k'.repeat(300), ''];
        for (const key of keys) await kv.put('odd', key, key);
        for (const key of keys) expect(await kv.get('odd', key)).toBe(key);
        expect((await kv.list('odd')).length).toBe(keys.length);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const key of ['b', 'a/2', 'a/1', 'ab', 'a', 'c/1']) await kv.put('docs', key, { key });
        await kv.put('other', 'a/3', { key: 'a/3' });
      });

      it('lists a collection ordered by key', async () => {
        const keys = (await kv.list('docs')).map((e) => e.key);
        expect(keys).toEqual(['a', 'a/1', 'a/2', 'ab', 'b', 'c/1']);
      });

      it('returns the values with the keys', async () => {
        const entries = await kv.list<{ key: string }>('docs', { prefix: 'c/' });
        expect(entries).toEqual([{ key: 'c/1', value: { key: 'c/1' } }]);
      });

      it('lists by prefix', async () => {
        expect((await kv.list('docs', { prefix: 'a/' })).map((e) => e.key)).toEqual(['a/1', 'a/2']);
        expect((await kv.list('docs', { prefix: 'a' })).map((e) => e.key)).toEqual(['a', 'a/1', 'a/2', 'ab']);
        expect(await kv.list('docs', { prefix: 'zz' })).toEqual([]);
      });

      it('applies a limit after the prefix', async () => {
        expect((await kv.list('docs', { limit: 2 })).map((e) => e.key)).toEqual(['a', 'a/1']);
        expect((await kv.list('docs', { prefix: 'a/', limit: 1 })).map((e) => e.key)).toEqual(['a/1']);
      });

      it('lists only keys after a cursor, with the prefix and the limit', async () => {
        expect((await kv.list('docs', { after: 'a/1' })).map((e) => e.key)).toEqual(['a/2', 'ab', 'b', 'c/1']);
        expect((await kv.list('docs', { prefix: 'a', after: 'a/1', limit: 2 })).map((e) => e.key)).toEqual(['a/2', 'ab']);
        expect((await kv.list('docs', { prefix: 'a/', after: 'a' })).map((e) => e.key)).toEqual(['a/1', 'a/2']);
        expect(await kv.list('docs', { prefix: 'a/', after: 'a/2' })).toEqual([]);
      });

      it('lists nothing for an unknown collection', async () => {
        expect(await kv.list('missing')).toEqual([]);
      });
    });

    describe('update', () => {
      it('creates, modifies and resolves to what it wrote', async () => {
        const seen: (Doc | undefined)[] = [];
        const first = await kv.update<Doc>('counters', 'c', (cur) => {
          seen.push(cur);
          return { n: (cur?.n ?? 0) + 1 };
        });
        expect(first).toEqual({ n: 1 });
        const second = await kv.update<Doc>('counters', 'c', (cur) => ({ n: (cur?.n ?? 0) + 1 }));
        expect(second).toEqual({ n: 2 });
        expect(seen[0]).toBeUndefined();
        expect(await kv.get('counters', 'c')).toEqual({ n: 2 });
      });

      it('deletes the document when fn returns undefined', async () => {
        await kv.put<Doc>('counters', 'c', { n: 5 });
        expect(await kv.update<Doc>('counters', 'c', () => undefined)).toBeUndefined();
        expect(await kv.get('counters', 'c')).toBeUndefined();
      });

      it('loses no increment when updates run concurrently', async () => {
        // Ten callers on one document: enough to interleave, few enough for Firestore transaction retries on a loaded machine.
        const rounds = 10;
        await Promise.all(
          Array.from({ length: rounds }, () => kv.update<Doc>('counters', 'race', (cur) => ({ n: (cur?.n ?? 0) + 1 }))),
        );
        expect(await kv.get<Doc>('counters', 'race')).toEqual({ n: rounds });
      });

      it('lets one concurrent claim win a one-time document', async () => {
        await kv.put('claims', 'kp', { claimedBy: null });
        const claimants = ['a', 'b', 'c', 'd', 'e'];
        const results = await Promise.all(
          claimants.map((who) =>
            kv.update<{ claimedBy: string | null }>('claims', 'kp', (cur) =>
              cur && cur.claimedBy === null ? { claimedBy: who } : cur,
            ),
          ),
        );
        const final = await kv.get<{ claimedBy: string | null }>('claims', 'kp');
        expect(claimants).toContain(final?.claimedBy);
        // Every caller saw the same winner once the claim was made.
        for (const r of results) expect(r?.claimedBy).not.toBeNull();
        expect(new Set(results.map((r) => r?.claimedBy)).size).toBe(1);
      });

      it('leaves the document unchanged when fn throws, and passes the error on', async () => {
        await kv.put<Doc>('counters', 'c', { n: 1 });
        const boom = new Error('boom');
        await expect(
          kv.update<Doc>('counters', 'c', () => {
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await kv.get('counters', 'c')).toEqual({ n: 1 });
      });
    });

    describe('expiry', () => {
      it('hides a document whose expiresAt has passed, from get, list and update', async () => {
        const t = now();
        await kv.put('sessions', 'old', { n: 1 }, { expiresAt: t - 10 });
        await kv.put('sessions', 'new', { n: 2 }, { expiresAt: t + 100_000 });
        await kv.put('sessions', 'forever', { n: 3 });
        expect(await kv.get('sessions', 'old')).toBeUndefined();
        expect(await kv.get('sessions', 'new')).toEqual({ n: 2 });
        expect((await kv.list('sessions')).map((e) => e.key)).toEqual(['forever', 'new']);
        const seen: unknown[] = [];
        await kv.update<Doc>('sessions', 'old', (cur) => {
          seen.push(cur);
          return { n: 10 };
        });
        expect(seen).toEqual([undefined]);
        expect(await kv.get('sessions', 'old')).toEqual({ n: 10 });
      });

      it('gives a document created by update the expiry asked for, and keeps a live one\'s own', async () => {
        const t = now();
        // Created already expired: written, but absent to every reader.
        expect(await kv.update<Doc>('seen', 'gone', () => ({ n: 1 }), { expiresAt: t - 10 })).toEqual({ n: 1 });
        expect(await kv.get('seen', 'gone')).toBeUndefined();
        expect(await kv.update<Doc>('seen', 'kept', () => ({ n: 1 }), { expiresAt: t + 100_000 })).toEqual({ n: 1 });
        // A live document keeps its expiry: an expiresAt in the past on a later update does not hide it.
        await kv.update<Doc>('seen', 'kept', (cur) => ({ n: (cur?.n ?? 0) + 1 }), { expiresAt: t - 10 });
        expect(await kv.get('seen', 'kept')).toEqual({ n: 2 });
        // And an expiring live document keeps expiring: it is not made permanent by an update without expiresAt.
        await kv.put('seen', 'brief', { n: 1 }, { expiresAt: t + 2 });
        await kv.update<Doc>('seen', 'brief', () => ({ n: 5 }));
        // Read three seconds later by the store's clock (Date only; its I/O and timers stay real).
        vi.useFakeTimers({ toFake: ['Date'], now: (t + 3) * 1000 });
        try {
          expect(await kv.get('seen', 'brief')).toBeUndefined();
        } finally {
          vi.useRealTimers();
        }
      });

      it('clears an expiry when the document is put again without one', async () => {
        const t = now();
        await kv.put('sessions', 'k', { n: 1 }, { expiresAt: t - 10 });
        await kv.put('sessions', 'k', { n: 2 });
        expect(await kv.get('sessions', 'k')).toEqual({ n: 2 });
      });

      it('does not count expired documents against a list limit', async () => {
        const t = now();
        await kv.put('sessions', 'a', 1, { expiresAt: t - 10 });
        await kv.put('sessions', 'b', 2);
        await kv.put('sessions', 'c', 3);
        expect((await kv.list('sessions', { limit: 1 })).map((e) => e.key)).toEqual(['b']);
      });
    });
  });
}
