/**
 * Issue 14 item 11: of two racing roster operations (kind 450) with the same seq, one wins; the
 * loser gets `OK false invalid: stale seq …`, is never stored and never broadcast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identity, now, signed, type Identity } from '../helpers.js';
import type { RawClient, TestRelay } from '../harness.js';
import { authedClient, eventsOn, publish, startGatewayRelay } from './e2e-support.js';
import { settle } from '../auth/e2e-support.js';

const [owner, admin, member, watcher] = [identity(), identity(), identity(), identity()];

const rosterOp = (author: Identity, group: string, seq: number, op: string, targets: string[]) =>
  signed(author, {
    kind: 450,
    content: '',
    tags: [['h', group], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])],
    created_at: now(),
  });

describe('issue 14 item 11: roster race', () => {
  let relay: TestRelay;
  let o: RawClient;
  let a: RawClient;
  let w: RawClient;

  beforeAll(async () => {
    relay = await startGatewayRelay([owner, admin, member, watcher], { membership: 'roster' });
    [o, a, w] = [await authedClient(relay.url, owner), await authedClient(relay.url, admin), await authedClient(relay.url, watcher)];
  });
  afterAll(async () => {
    for (const c of [o, a, w]) c.close();
    await relay.stop();
  });

  it('25 races: exactly one of each pair is accepted, the loser is refused before any OK true or broadcast', async () => {
    for (let i = 0; i < 25; i++) {
      const group = `race-${i}-${Math.random().toString(36).slice(2, 8)}`;
      expect(await publish(o, rosterOp(owner, group, 1, 'bootstrap', [admin.pk, watcher.pk]))).toMatchObject({ ok: true });
      expect(await publish(o, rosterOp(owner, group, 2, 'promote', [admin.pk]))).toMatchObject({ ok: true });
      await w.req(`live-${i}`, { kinds: [450], '#h': [group], since: now() - 5 });
      const from = w.messages.length;
      const byOwner = rosterOp(owner, group, 3, 'add', [member.pk]);
      const byAdmin = rosterOp(admin, group, 3, 'remove', [watcher.pk]);
      const [r1, r2] = await Promise.all([publish(o, byOwner), publish(a, byAdmin)]);
      const results = [
        { ev: byOwner, ...r1 },
        { ev: byAdmin, ...r2 },
      ];
      const winners = results.filter((r) => r.ok);
      const losers = results.filter((r) => !r.ok);
      expect(winners).toHaveLength(1);
      expect(losers[0]!.message).toMatch(/^invalid: stale seq 3/);
      // The loser is not stored and was never sent live; the winner was.
      const stored = await o.req(`stored-${i}`, { kinds: [450], '#h': [group] });
      expect(stored.events.map((e) => e.id)).not.toContain(losers[0]!.ev.id);
      expect(stored.events.map((e) => e.id)).toContain(winners[0]!.ev.id);
      await settle(o);
      const winnerRemovedWatcher = winners[0]!.ev === byAdmin;
      if (!winnerRemovedWatcher) {
        await settle(w);
        const live = eventsOn(w, `live-${i}`, from).map((e) => e.id);
        expect(live).not.toContain(losers[0]!.ev.id);
      }
    }
  }, 60_000);
});

// A connection's events go through their policies while earlier ones wait for their commit; a roster
// change holds its reservation, so the next event waits until it is committed (issue 15, session 6).
describe('roster changes sent without waiting for OK, over one connection', () => {
  let relay: TestRelay;
  let o: RawClient;
  let m: RawClient;

  beforeAll(async () => {
    relay = await startGatewayRelay([owner, admin, member, watcher], { membership: 'roster' });
    [o, m] = [await authedClient(relay.url, owner), await authedClient(relay.url, member)];
  });
  afterAll(async () => {
    for (const c of [o, m]) c.close();
    await relay.stop();
  });

  it('applies each in order: a repeated seq is stale, the chain goes on, and the added member can post at once', async () => {
    const group = `chain-${Math.random().toString(36).slice(2, 10)}`;
    const ops = [
      rosterOp(owner, group, 1, 'bootstrap', [admin.pk]),
      rosterOp(owner, group, 1, 'add', [watcher.pk]),
      rosterOp(owner, group, 2, 'add', [member.pk]),
      rosterOp(owner, group, 3, 'promote', [admin.pk]),
    ];
    const from = o.messages.length;
    for (const ev of ops) o.send(['EVENT', ev]);
    await o.next(() => o.messages.slice(from).filter((x) => x[0] === 'OK').length === ops.length, 5000);
    const oks = o.messages.slice(from).filter((x) => x[0] === 'OK');
    expect(oks.map((x) => x[1])).toEqual(ops.map((ev) => ev.id));
    expect(oks.map((x) => x[2])).toEqual([true, false, true, true]);
    expect(String(oks[1]![3])).toMatch(/^invalid: stale seq 1/);
    // The member added by the third op is in the roster: its group message is accepted.
    // (Signed by a throwaway key, as Marmot's group messages are; the connection is the member's.)
    const message = signed(identity(), { kind: 445, content: Buffer.alloc(64, 7).toString('base64'), tags: [['h', group]], created_at: now() });
    expect(await publish(m, message)).toEqual({ ok: true, message: '' });
    const stored = await o.req('chain', { kinds: [450], '#h': [group] });
    expect(stored.events.map((e) => e.id).sort()).toEqual([ops[0]!.id, ops[2]!.id, ops[3]!.id].sort());
  });
});
