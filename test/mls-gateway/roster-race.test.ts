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
