import { RELAY_DELETION_RULE } from './event-store-nip-cases.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import type { Filter } from '../../src/nostr/filter.js';
import type { EventStore, SaveStatus, Storage } from '../../src/storage/types.js';
import { identity, now, signed } from '../helpers.js';
import { ids, nipCases, ordered } from './event-store-nip-cases.js';

/**
 * The EventStore contract: what every backend must do, run unchanged against each of them.
 * `open` returns a fresh, empty Storage for every test; the suite closes it afterwards.
 */
export function eventStoreContract(name: string, open: () => Promise<Storage>): void {
  describe(`EventStore contract: ${name}`, () => {
    let storage: Storage;
    let store: EventStore;
    // A fixed past base time keeps created_at values distinct and far from NIP-40 "now".
    const T = now() - 100_000;
    const alice = identity();
    const bob = identity();

    async function save(...events: VerifiedEvent[]): Promise<(SaveStatus | 'error')[]> {
      const results = await store.saveBatch(events.map((event) => ({ event, mayDelete: RELAY_DELETION_RULE })));
      return results.map((r) => r.status);
    }

    beforeEach(async () => {
      storage = await open();
      store = storage.events;
    });

    afterEach(async () => {
      await storage.close();
    });

    describe('saving and reading back', () => {
      it('returns a saved event unchanged, including unicode, empty and repeated tags', async () => {
        const ev = signed(alice, {
          created_at: T,
          content: 'héllo 🌍 "quotes" \\ \n new line',
          tags: [['p', bob.pk, 'wss://relay.example', 'role'], ['t', ''], ['t', ''], ['alt', 'x'.repeat(2000)]],
        });
        expect(await save(ev)).toEqual(['saved']);
        const [got] = await store.query([{ ids: [ev.id] }]);
        expect(got).toEqual({ ...ev });
      });

      it('answers has() for stored ids only', async () => {
        const ev = signed(alice, { created_at: T });
        expect(await store.has(ev.id)).toBe(false);
        await save(ev);
        expect(await store.has(ev.id)).toBe(true);
      });

      it('reports a second copy as duplicate, across batches and inside one batch', async () => {
        const ev = signed(alice, { created_at: T });
        const other = signed(alice, { created_at: T + 1 });
        expect(await save(ev)).toEqual(['saved']);
        expect(await save(ev)).toEqual(['duplicate']);
        expect(await save(other, other)).toEqual(['saved', 'duplicate']);
        expect(await store.count([{}])).toBe(2);
      });

      it('returns an empty result for no filters and everything for an empty filter', async () => {
        await save(signed(alice, { created_at: T }), signed(bob, { created_at: T + 1 }));
        expect(await store.query([])).toEqual([]);
        expect(await store.query([{}])).toHaveLength(2);
      });

      it('answers an empty batch with no results', async () => {
        expect(await store.saveBatch([])).toEqual([]);
      });

      it('is healthy while open', async () => {
        await expect(store.health()).resolves.toBeUndefined();
      });
    });

    describe('filters', () => {
      let a1: VerifiedEvent, a2: VerifiedEvent, b1: VerifiedEvent, b2: VerifiedEvent, c1: VerifiedEvent;
      const carol = identity();

      beforeEach(async () => {
        a1 = signed(alice, { kind: 1, created_at: T + 1, tags: [['e', 'a'.repeat(64)], ['t', 'nostr']] });
        a2 = signed(alice, { kind: 445, created_at: T + 2, tags: [['h', 'group-1']] });
        b1 = signed(bob, { kind: 1, created_at: T + 3, tags: [['p', alice.pk], ['t', 'mls']] });
        b2 = signed(bob, { kind: 445, created_at: T + 4, tags: [['h', 'group-2'], ['p', carol.pk]] });
        c1 = signed(carol, { kind: 7, created_at: T + 5, tags: [['P', alice.pk], ['t', 'nostr', 'mls']] });
        expect(await save(a1, a2, b1, b2, c1)).toEqual(['saved', 'saved', 'saved', 'saved', 'saved']);
      });

      const cases: [string, () => Filter, () => VerifiedEvent[]][] = [
        ['ids', () => ({ ids: [a1.id, b2.id, 'f'.repeat(64)] }), () => [b2, a1]],
        ['authors', () => ({ authors: [bob.pk] }), () => [b2, b1]],
        ['authors (several)', () => ({ authors: [alice.pk, carol.pk] }), () => [c1, a2, a1]],
        ['kinds', () => ({ kinds: [445] }), () => [b2, a2]],
        ['kinds (several)', () => ({ kinds: [1, 7] }), () => [c1, b1, a1]],
        ['since (inclusive)', () => ({ since: T + 4 }), () => [c1, b2]],
        ['until (inclusive)', () => ({ until: T + 2 }), () => [a2, a1]],
        ['since and until', () => ({ since: T + 2, until: T + 3 }), () => [b1, a2]],
        ['#e', () => ({ tags: { e: ['a'.repeat(64)] } }), () => [a1]],
        ['#h', () => ({ tags: { h: ['group-1'] } }), () => [a2]],
        ['#p is lowercase only', () => ({ tags: { p: [alice.pk] } }), () => [b1]],
        ['#P is uppercase only', () => ({ tags: { P: [alice.pk] } }), () => [c1]],
        ['#t values are ORed', () => ({ tags: { t: ['mls', 'nostr'] } }), () => [c1, b1, a1]],
        ['#t matches only the first value of a tag', () => ({ tags: { t: ['mls'] } }), () => [b1]],
        ['letters are ANDed', () => ({ tags: { h: ['group-2'], p: [carol.pk] } }), () => [b2]],
        ['letters ANDed with no common event', () => ({ tags: { h: ['group-1'], p: [carol.pk] } }), () => []],
        ['authors and kinds', () => ({ authors: [alice.pk, bob.pk], kinds: [1] }), () => [b1, a1]],
        ['kinds and #h', () => ({ kinds: [445], tags: { h: ['group-1', 'group-2'] } }), () => [b2, a2]],
        ['authors, kinds, tag and time', () => ({ authors: [bob.pk], kinds: [445, 1], tags: { p: [alice.pk, carol.pk] }, since: T + 4 }), () => [b2]],
        ['ids and authors together', () => ({ ids: [a1.id, b1.id], authors: [bob.pk] }), () => [b1]],
        ['an unknown tag value', () => ({ tags: { h: ['nope'] } }), () => []],
        ['an empty list matches nothing', () => ({ kinds: [] }), () => []],
        ['limit 0 matches nothing', () => ({ limit: 0 }), () => []],
      ];
      for (const [label, filter, expected] of cases) {
        it(`selects by ${label}`, async () => {
          expect(ids(await store.query([filter()]))).toEqual(ids(expected()));
        });
      }

      it('ORs several filters and returns an event matched by two of them once', async () => {
        const got = await store.query([{ authors: [alice.pk] }, { kinds: [445] }, { ids: [a1.id] }]);
        expect(ids(got)).toEqual([b2.id, a2.id, a1.id]);
      });

      it('applies the limit to each filter separately, then merges', async () => {
        const got = await store.query([
          { authors: [alice.pk], limit: 1 },
          { kinds: [1], limit: 1 },
          { tags: { t: ['nostr'] }, limit: 2 },
        ]);
        // alice newest: a2; kind 1 newest: b1; #t nostr newest two: c1, a1.
        expect(ids(got)).toEqual([c1.id, b1.id, a2.id, a1.id]);
      });

      it('counts distinct matches across filters, hiding nothing for limit', async () => {
        expect(await store.count([{ kinds: [1] }, { authors: [alice.pk] }])).toBe(3);
        expect(await store.count([{ tags: { t: ['mls', 'nostr'] } }])).toBe(3);
        expect(await store.count([{ kinds: [445], limit: 1 }])).toBe(2);
        expect(await store.count([{ kinds: [9999] }])).toBe(0);
        expect(await store.count([])).toBe(0);
        // A bound stops the count there, across filters too; below the bound the count is exact.
        expect(await store.count([{ kinds: [1] }, { authors: [alice.pk] }], { max: 2 })).toBe(2);
        expect(await store.count([{ kinds: [1] }, { authors: [alice.pk] }], { max: 10 })).toBe(3);
      });
    });

    describe('ordering and limits', () => {
      it('orders newest first and breaks created_at ties by lowest id', async () => {
        const events = [
          signed(alice, { created_at: T + 10 }),
          signed(alice, { created_at: T + 10 }),
          signed(alice, { created_at: T + 10 }),
          signed(bob, { created_at: T + 11 }),
          signed(bob, { created_at: T + 9 }),
          signed(bob, { created_at: T + 10 }),
        ];
        await save(...events);
        expect(ids(await store.query([{}]))).toEqual(ordered(events));
        expect(ids(await store.query([{ authors: [alice.pk] }, { authors: [bob.pk] }]))).toEqual(ordered(events));
      });

      it('cuts a limit inside a run of equal created_at by lowest id', async () => {
        const same = [0, 1, 2, 3, 4].map(() => signed(alice, { created_at: T + 20, tags: [['h', 'g']] }));
        const older = signed(alice, { created_at: T + 19, tags: [['h', 'g']] });
        await save(older, ...same);
        const lowest = ordered(same).slice(0, 3);
        expect(ids(await store.query([{ limit: 3 }]))).toEqual(lowest);
        expect(ids(await store.query([{ tags: { h: ['g'] }, limit: 3 }]))).toEqual(lowest);
        expect(ids(await store.query([{ authors: [alice.pk], limit: 6 }]))).toEqual([...ordered(same), older.id]);
      });

      it('returns the newest events when the limit is smaller than the matches', async () => {
        const events = Array.from({ length: 30 }, (_, i) => signed(bob, { kind: 445, created_at: T + i, tags: [['h', 'big']] }));
        await save(...events);
        const newest = ordered(events).slice(0, 7);
        expect(ids(await store.query([{ kinds: [445], limit: 7 }]))).toEqual(newest);
        expect(ids(await store.query([{ tags: { h: ['big'] }, limit: 7 }]))).toEqual(newest);
        expect(ids(await store.query([{ tags: { h: ['big'] }, until: T + 9, limit: 3 }]))).toEqual([events[9]!.id, events[8]!.id, events[7]!.id]);
      });

      it('rejects a query whose signal is already aborted', async () => {
        await save(signed(alice, { created_at: T }));
        const ctrl = new AbortController();
        ctrl.abort();
        await expect(store.query([{}], { signal: ctrl.signal })).rejects.toThrow();
      });
    });

    nipCases({ store: () => store, save, T, alice, bob });
  });
}
