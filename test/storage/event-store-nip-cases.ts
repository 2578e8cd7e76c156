import { beforeEach, describe, expect, it } from 'vitest';
import type { NostrEvent, VerifiedEvent } from '../../src/nostr/event.js';
import type { DeletionRequest, EventStore, SaveStatus } from '../../src/storage/types.js';
import type { DeletionRule } from '../../src/nostr/deletion.js';
import { deletionRule } from '../../src/relay/core/deletion-rule.js';
import { recipientMayDelete } from '../../src/relay/policies/auth.js';
import { identity, now, signed, type Identity } from '../helpers.js';

/** What the NIP cases need from the contract's setup; `store` is read per test because each test opens a fresh one. */
export type ContractContext = {
  store(): EventStore;
  save(...events: VerifiedEvent[]): Promise<(SaveStatus | 'error')[]>;
  /** A fixed past base time for created_at. */
  T: number;
  alice: Identity;
  bob: Identity;
};

/** The rule the relay hands its store: NIP-09's, plus gift wraps deletable by their recipient (the core's policy). */
export const RELAY_DELETION_RULE: DeletionRule = { recipientKinds: [...deletionRule([recipientMayDelete()]).recipientKinds] };

/** A NIP-09 deletion event of `who` and the request its caller (the relay) would pass along, with the relay's rule. */
export function deletion(
  who: Identity,
  req: Partial<DeletionRequest>,
  createdAt: number,
): { event: VerifiedEvent; deletion: DeletionRequest; mayDelete: DeletionRule } {
  const full: DeletionRequest = { ids: req.ids ?? [], addresses: req.addresses ?? [] };
  const tags = [
    ...full.ids.map((id) => ['e', id]),
    ...full.addresses.map((a) => ['a', `${a.kind}:${a.pubkey}:${a.d}`]),
  ];
  return { event: signed(who, { kind: 5, tags, created_at: createdAt }), deletion: full, mayDelete: RELAY_DELETION_RULE };
}

/** The ids of events, in their order. */
export function ids(events: NostrEvent[]): string[] {
  return events.map((e) => e.id);
}

/** The ids in NIP-01 order: newest first, ties by lowest id. */
export function ordered(events: NostrEvent[]): string[] {
  return [...events].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1)).map((e) => e.id);
}

/**
 * The NIP-01 replacement, NIP-09 deletion, NIP-40 expiration and remove cases of the EventStore
 * contract (event-store-contract.ts calls this inside its describe block).
 */
export function nipCases(ctx: ContractContext): void {
  const { T, alice, bob } = ctx;
  const save = ctx.save;
  let store: EventStore;
  beforeEach(() => {
    store = ctx.store();
  });

  describe('replaceable and addressable events', () => {
    const coordinates: [string, number, string[][]][] = [
      ['replaceable kind 0', 0, []],
      ['replaceable kind 3', 3, []],
      ['replaceable kind 10002', 10002, []],
      ['addressable kind 30443 with a d tag', 30443, [['d', 'slot-1']]],
      ['addressable kind 30000 without a d tag', 30000, []],
    ];
    for (const [label, kind, tags] of coordinates) {
      describe(label, () => {
        const version = (createdAt: number): VerifiedEvent => signed(alice, { kind, tags, created_at: createdAt });

        it('keeps only the newer version when it arrives second', async () => {
          const older = version(T);
          const newer = version(T + 1);
          expect(await save(older)).toEqual(['saved']);
          expect(await save(newer)).toEqual(['saved']);
          expect(ids(await store.query([{ authors: [alice.pk], kinds: [kind] }]))).toEqual([newer.id]);
          expect(await store.has(older.id)).toBe(false);
        });

        it('refuses an older version as superseded', async () => {
          const older = version(T);
          const newer = version(T + 1);
          await save(newer);
          expect(await save(older)).toEqual(['superseded']);
          expect(ids(await store.query([{ authors: [alice.pk] }]))).toEqual([newer.id]);
        });

        it('breaks a created_at tie by keeping the lowest id, whatever the arrival order', async () => {
          const [low, high] = [version(T + 5), version(T + 5)].sort((x, y) => (x.id < y.id ? -1 : 1)) as [VerifiedEvent, VerifiedEvent];
          expect(await save(high)).toEqual(['saved']);
          expect(await save(low)).toEqual(['saved']);
          expect(ids(await store.query([{ kinds: [kind] }]))).toEqual([low.id]);
          expect(await save(high)).toEqual(['superseded']);
        });

        it('resolves two versions racing in one batch to the newest', async () => {
          const older = version(T);
          const newer = version(T + 1);
          expect(await save(newer, older)).toEqual(['saved', 'superseded']);
          const again = [version(T + 2), version(T + 3)];
          const statuses = await save(...again);
          expect(statuses).toEqual(['saved', 'saved']);
          expect(ids(await store.query([{ kinds: [kind] }]))).toEqual([again[1]!.id]);
        });

        it('resolves two concurrent batches to the newest', async () => {
          const older = version(T);
          const newer = version(T + 1);
          const [r1, r2] = await Promise.all([store.saveBatch([{ event: older }]), store.saveBatch([{ event: newer }])]);
          expect(r2?.[0]?.status).toBe('saved');
          expect(['saved', 'superseded']).toContain(r1?.[0]?.status);
          expect(ids(await store.query([{ authors: [alice.pk] }]))).toEqual([newer.id]);
          expect(await store.count([{ kinds: [kind] }])).toBe(1);
        });

        it('keeps the versions of other authors apart', async () => {
          const mine = version(T);
          const theirs = signed(bob, { kind, tags, created_at: T + 1 });
          expect(await save(mine, theirs)).toEqual(['saved', 'saved']);
          expect(await store.count([{ kinds: [kind] }])).toBe(2);
        });
      });
    }

    it('keeps addressable events with different d tags apart, and treats a missing d tag as d=""', async () => {
      const a = signed(alice, { kind: 30443, tags: [['d', 'a']], created_at: T });
      const b = signed(alice, { kind: 30443, tags: [['d', 'b']], created_at: T + 1 });
      const none = signed(alice, { kind: 30443, created_at: T + 2 });
      const empty = signed(alice, { kind: 30443, tags: [['d', '']], created_at: T + 3 });
      expect(await save(a, b, none)).toEqual(['saved', 'saved', 'saved']);
      // No d tag and an empty d tag are the same coordinate: the newer replaces the older.
      expect(await save(empty)).toEqual(['saved']);
      expect(ids(await store.query([{ kinds: [30443] }]))).toEqual([empty.id, b.id, a.id]);
    });

    it('uses the first d tag as the coordinate', async () => {
      const first = signed(alice, { kind: 30001, tags: [['d', 'x'], ['d', 'y']], created_at: T });
      const second = signed(alice, { kind: 30001, tags: [['d', 'x']], created_at: T + 1 });
      const other = signed(alice, { kind: 30001, tags: [['d', 'y']], created_at: T + 2 });
      expect(await save(first, second, other)).toEqual(['saved', 'saved', 'saved']);
      expect(ids(await store.query([{ kinds: [30001] }]))).toEqual([other.id, second.id]);
    });

    // Found by test/differential: SQLite took a valueless ["d"] as d = "" while Firestore skipped it.
    it('skips a d tag without a value: the coordinate is the first d tag value', async () => {
      const first = signed(alice, { kind: 30001, tags: [['d'], ['d', 'x']], created_at: T + 1 });
      const blank = signed(alice, { kind: 30001, tags: [], created_at: T });
      const second = signed(alice, { kind: 30001, tags: [['d', 'x']], created_at: T + 2 });
      // Two coordinates, "x" and "": neither replaces the other.
      expect(await save(first, blank)).toEqual(['saved', 'saved']);
      expect(await save(second)).toEqual(['saved']);
      expect(ids(await store.query([{ kinds: [30001] }]))).toEqual([second.id, blank.id]);
    });

    it('keeps every version of a regular kind', async () => {
      const v1 = signed(alice, { kind: 1, created_at: T });
      const v2 = signed(alice, { kind: 1, created_at: T + 1 });
      expect(await save(v1, v2)).toEqual(['saved', 'saved']);
      expect(await store.count([{ authors: [alice.pk] }])).toBe(2);
    });

    it('finds the current version by its tags and not the replaced one', async () => {
      const v1 = signed(alice, { kind: 30443, tags: [['d', 's'], ['i', 'ref-1']], created_at: T });
      const v2 = signed(alice, { kind: 30443, tags: [['d', 's'], ['i', 'ref-2']], created_at: T + 1 });
      await save(v1, v2);
      expect(await store.query([{ tags: { i: ['ref-1'] } }])).toEqual([]);
      expect(ids(await store.query([{ tags: { i: ['ref-2'] } }]))).toEqual([v2.id]);
    });
  });

  describe('NIP-09 deletion', () => {
    it('deletes the author\'s stored event by e, stores the deletion, and refuses the event later', async () => {
      const target = signed(alice, { created_at: T, tags: [['t', 'x']] });
      const keep = signed(alice, { created_at: T + 1 });
      await save(target, keep);
      const del = deletion(alice, { ids: [target.id] }, T + 2);
      expect((await store.saveBatch([del])).map((r) => r.status)).toEqual(['saved']);
      expect(await store.has(target.id)).toBe(false);
      expect(await store.query([{ tags: { t: ['x'] } }])).toEqual([]);
      expect(ids(await store.query([{ authors: [alice.pk] }]))).toEqual([del.event.id, keep.id]);
      expect(await save(target)).toEqual(['deleted']);
    });

    it('tombstones an id not stored yet, so the author\'s later copy is refused', async () => {
      const target = signed(alice, { created_at: T });
      await store.saveBatch([deletion(alice, { ids: [target.id] }, T + 1)]);
      expect(await save(target)).toEqual(['deleted']);
      expect(await store.has(target.id)).toBe(false);
    });

    it('does not let a tombstone of someone else refuse the author\'s event', async () => {
      const target = signed(alice, { created_at: T });
      await store.saveBatch([deletion(bob, { ids: [target.id] }, T + 1)]);
      expect(await save(target)).toEqual(['saved']);
      expect(await store.has(target.id)).toBe(true);
    });

    it('lets the recipient of a gift wrap delete it, and refuses its later copies', async () => {
      const wrapper = identity();
      const wrap = signed(wrapper, { kind: 1059, tags: [['p', bob.pk]], created_at: T });
      await save(wrap);
      await store.saveBatch([deletion(bob, { ids: [wrap.id] }, T + 1)]);
      expect(await store.has(wrap.id)).toBe(false);
      expect(await save(wrap)).toEqual(['deleted']);
    });

    it('refuses a gift wrap that its recipient deleted before it arrived, but not for a stranger\'s tombstone', async () => {
      const wrapper = identity();
      const toBob = signed(wrapper, { kind: 1059, tags: [['p', bob.pk]], created_at: T });
      const toAlice = signed(wrapper, { kind: 1059, tags: [['p', alice.pk]], created_at: T });
      await store.saveBatch([deletion(bob, { ids: [toBob.id, toAlice.id] }, T + 1)]);
      expect(await save(toBob, toAlice)).toEqual(['deleted', 'saved']);
    });

    describe('issue 14 item 1: a deletion racing a commit never removes an event its deleter may not delete', () => {
      it('a stranger\'s deletion of an id stored after the relay planned it (earlier commit) leaves it', async () => {
        const target = signed(alice, { created_at: T });
        await save(target);
        // The relay planned this deletion while the target was not stored yet, so it names the id.
        expect((await store.saveBatch([deletion(bob, { ids: [target.id] }, T + 1)])).map((r) => r.status)).toEqual(['saved']);
        expect(await store.has(target.id)).toBe(true);
      });

      it('the same when the target commits earlier in the same batch, and the author\'s own deletion still works', async () => {
        const target = signed(alice, { created_at: T });
        const statuses = await store.saveBatch([{ event: target }, deletion(bob, { ids: [target.id] }, T + 1)]);
        expect(statuses.map((r) => r.status)).toEqual(['saved', 'saved']);
        expect(await store.has(target.id)).toBe(true);
        await store.saveBatch([deletion(alice, { ids: [target.id] }, T + 2)]);
        expect(await store.has(target.id)).toBe(false);
      });

      it('a gift wrap\'s recipient may still delete it in the same batch; a deletion is never deleted', async () => {
        const wrap = signed(identity(), { kind: 1059, tags: [['p', bob.pk]], created_at: T });
        await store.saveBatch([{ event: wrap }, deletion(bob, { ids: [wrap.id] }, T + 1)]);
        expect(await store.has(wrap.id)).toBe(false);
        const first = deletion(alice, { ids: ['0'.repeat(64)] }, T + 2);
        await store.saveBatch([first]);
        await store.saveBatch([deletion(alice, { ids: [first.event.id] }, T + 3)]);
        expect(await store.has(first.event.id)).toBe(true);
      });
    });

    it('deletes addressable versions by a up to the deletion\'s created_at and refuses older copies later', async () => {
      const coordinate = { kind: 30443, pubkey: alice.pk, d: 'slot' };
      const v1 = signed(alice, { kind: 30443, tags: [['d', 'slot']], created_at: T });
      const v2 = signed(alice, { kind: 30443, tags: [['d', 'slot']], created_at: T + 5 });
      const otherSlot = signed(alice, { kind: 30443, tags: [['d', 'other']], created_at: T });
      await save(v2, otherSlot);
      await store.saveBatch([deletion(alice, { addresses: [coordinate] }, T + 5)]);
      expect(await store.query([{ kinds: [30443], tags: { d: ['slot'] } }])).toEqual([]);
      expect(await store.has(otherSlot.id)).toBe(true);
      expect(await save(v1)).toEqual(['deleted']);
      const v3 = signed(alice, { kind: 30443, tags: [['d', 'slot']], created_at: T + 6 });
      expect(await save(v3)).toEqual(['saved']);
      expect(ids(await store.query([{ kinds: [30443], tags: { d: ['slot'] } }]))).toEqual([v3.id]);
    });

    it('keeps an addressable version newer than the deletion', async () => {
      const newer = signed(alice, { kind: 30443, tags: [['d', 'slot']], created_at: T + 10 });
      await save(newer);
      await store.saveBatch([deletion(alice, { addresses: [{ kind: 30443, pubkey: alice.pk, d: 'slot' }] }, T + 5)]);
      expect(await store.has(newer.id)).toBe(true);
    });

    it('deletes a replaceable event by its a coordinate (empty d)', async () => {
      const profile = signed(alice, { kind: 0, created_at: T });
      await save(profile);
      await store.saveBatch([deletion(alice, { addresses: [{ kind: 0, pubkey: alice.pk, d: '' }] }, T + 1)]);
      expect(await store.has(profile.id)).toBe(false);
      expect(await save(signed(alice, { kind: 0, created_at: T + 1 }))).toEqual(['deleted']);
      expect(await save(signed(alice, { kind: 0, created_at: T + 2 }))).toEqual(['saved']);
    });

    it('applies a deletion to events earlier and later in the same batch', async () => {
      const before = signed(alice, { created_at: T });
      const after = signed(alice, { created_at: T + 1 });
      const del = deletion(alice, { ids: [before.id, after.id] }, T + 2);
      const results = await store.saveBatch([{ event: before }, del, { event: after }]);
      expect(results.map((r) => r.status)).toEqual(['saved', 'saved', 'deleted']);
      expect(ids(await store.query([{ authors: [alice.pk] }]))).toEqual([del.event.id]);
    });

    it('ignores a deletion request attached to an event that is not kind 5', async () => {
      const target = signed(alice, { created_at: T });
      await save(target);
      const notADeletion = signed(alice, { kind: 1, created_at: T + 1 });
      await store.saveBatch([{ event: notADeletion, deletion: { ids: [target.id], addresses: [] } }]);
      expect(await store.has(target.id)).toBe(true);
    });

    it('does not apply a duplicate deletion event twice', async () => {
      const target = signed(alice, { created_at: T });
      const del = deletion(alice, { ids: [] }, T + 1);
      await store.saveBatch([del]);
      await save(target);
      const again = await store.saveBatch([{ event: del.event, deletion: { ids: [target.id], addresses: [] } }]);
      expect(again.map((r) => r.status)).toEqual(['duplicate']);
      expect(await store.has(target.id)).toBe(true);
    });
  });

  describe('NIP-40 expiration', () => {
    it('hides expired events from query and count, and purges them', async () => {
      const t = now();
      const expired = signed(alice, { created_at: T, tags: [['expiration', String(t - 10)], ['h', 'g']] });
      const live = signed(alice, { created_at: T + 1, tags: [['expiration', String(t + 100_000)], ['h', 'g']] });
      const plain = signed(alice, { created_at: T + 2, tags: [['h', 'g']] });
      const malformed = signed(alice, { created_at: T + 3, tags: [['expiration', 'soon'], ['h', 'g']] });
      expect(await save(expired, live, plain, malformed)).toEqual(['saved', 'saved', 'saved', 'saved']);
      expect(ids(await store.query([{ tags: { h: ['g'] } }]))).toEqual([malformed.id, plain.id, live.id]);
      expect(ids(await store.query([{ ids: [expired.id] }]))).toEqual([]);
      expect(await store.count([{ authors: [alice.pk] }])).toBe(3);
      expect(await store.purgeExpired(t)).toBe(1);
      expect(await store.has(expired.id)).toBe(false);
      expect(await store.has(live.id)).toBe(true);
      expect(await store.purgeExpired(t)).toBe(0);
    });

    it('treats an expiration equal to now as expired, and honours the now option', async () => {
      const t = now() + 1000;
      const ev = signed(alice, { created_at: T, tags: [['expiration', String(t)]] });
      await save(ev);
      expect(ids(await store.query([{}], { now: t - 1 }))).toEqual([ev.id]);
      expect(await store.query([{}], { now: t })).toEqual([]);
      expect(await store.count([{}], { now: t })).toBe(0);
      expect(await store.purgeExpired(t - 1)).toBe(0);
      expect(await store.purgeExpired(t)).toBe(1);
      expect(await store.query([{}], { now: t - 1 })).toEqual([]);
    });
  });

  describe('remove', () => {
    it('removes by id without a tombstone and counts what it removed', async () => {
      const a = signed(alice, { created_at: T, tags: [['p', bob.pk]] });
      const b = signed(alice, { created_at: T + 1 });
      await save(a, b);
      expect(await store.remove([a.id, a.id, 'f'.repeat(64)])).toBe(1);
      expect(await store.has(a.id)).toBe(false);
      expect(await store.query([{ tags: { p: [bob.pk] } }])).toEqual([]);
      expect(await store.remove([])).toBe(0);
      expect(await save(a)).toEqual(['saved']);
    });

    it('frees the coordinate of a removed replaceable event for an older version', async () => {
      const newer = signed(alice, { kind: 10002, created_at: T + 1 });
      const older = signed(alice, { kind: 10002, created_at: T });
      await save(newer);
      await store.remove([newer.id]);
      expect(await save(older)).toEqual(['saved']);
    });
  });
}
