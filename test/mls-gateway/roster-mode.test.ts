import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../extensions/mls-gateway/collections.js';
import type { Roster } from '../../extensions/mls-gateway/roster/roster.js';
import { identity, signed, type Identity } from '../helpers.js';
import { gatewayFixture, metricValue, sessionOf, type GatewayFixture } from './gateway-fixture.js';

let fx: GatewayFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const GROUP = 'c'.repeat(64);
const content = () => Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64');
const groupMessage = (h = GROUP) => signed(identity(), { kind: 445, tags: [['h', h]], content: content() });
const rosterOp = (author: Identity, seq: number, op: string, targets: string[] = []) =>
  signed(author, { kind: 450, content: '', tags: [['h', GROUP], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])] });

describe('roster membership', () => {
  const [owner, member, outsider] = [identity(), identity(), identity()];

  it('gates group writes, filters and reads on the roster, and follows removals', async () => {
    fx = await gatewayFixture({ membership: 'roster' }, [owner, member, outsider]);
    // Before any roster, nobody may post to the group.
    expect(await fx.publish(sessionOf(owner), groupMessage())).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });

    expect(await fx.publish(sessionOf(owner), rosterOp(owner, 1, 'bootstrap', [member.pk]))).toMatchObject({ ok: true });
    const msg = groupMessage();
    expect(await fx.publish(sessionOf(member), msg)).toMatchObject({ ok: true, status: 'saved' });
    expect(await fx.publish(sessionOf(outsider), groupMessage())).toMatchObject({
      ok: false,
      reason: { prefix: 'restricted', message: expect.stringContaining('not a member') },
    });
    expect(await fx.publish(sessionOf(), groupMessage())).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    // A connection whose AUTH was refused has authenticated: restricted:, not auth-required: (issue 16).
    const refused = { ...sessionOf(), refused: new Set([outsider.pk]) };
    expect(await fx.publish(refused, groupMessage())).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });

    // REQ with #h: members only; without #h: the read gate hides the group's events.
    const byGroup = [{ kinds: [445], tags: { h: [GROUP] } }];
    expect((await fx.req(sessionOf(member), byGroup)).events.map((e) => e.id)).toEqual([msg.id]);
    expect(await fx.req(sessionOf(outsider), byGroup)).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect(await fx.req(sessionOf(), byGroup)).toMatchObject({ ok: false, reason: { prefix: 'auth-required' } });
    expect(await fx.req(refused, byGroup)).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect((await fx.req(sessionOf(outsider), [{ kinds: [445, 450] }])).events).toEqual([]);
    expect((await fx.req(sessionOf(member), [{ kinds: [445, 450] }])).events).toHaveLength(2);
    expect(fx.canRead(sessionOf(outsider), msg)).toBe(false);

    // A non-admin cannot change the roster; a stale seq is refused.
    expect(await fx.publish(sessionOf(member), rosterOp(member, 2, 'add', [outsider.pk]))).toMatchObject({
      ok: false,
      reason: { prefix: 'restricted' },
    });
    expect(await fx.publish(sessionOf(owner), rosterOp(owner, 1, 'add', [outsider.pk]))).toMatchObject({
      ok: false,
      reason: { prefix: 'invalid', message: expect.stringContaining('stale seq') },
    });

    // Removal: the member loses access to stored and live events at once.
    expect(await fx.publish(sessionOf(owner), rosterOp(owner, 2, 'remove', [member.pk]))).toMatchObject({ ok: true });
    expect(fx.canRead(sessionOf(member), msg)).toBe(false);
    expect(await fx.req(sessionOf(member), byGroup)).toMatchObject({ ok: false, reason: { prefix: 'restricted' } });
    expect(await metricValue(fx.registry, 'mls_gateway_rejected_total', { reason: 'not_member' })).toBeGreaterThan(0);
  });

  it('applies racing operations once: the loser is refused by its reservation and an unsaved winner is undone', async () => {
    fx = await gatewayFixture({ membership: 'roster' });
    await fx.publish(sessionOf(owner), rosterOp(owner, 1, 'bootstrap'));
    const a = rosterOp(owner, 2, 'add', [member.pk]);
    const b = rosterOp(owner, 2, 'add', [outsider.pk]);
    // Both pass validation before either is reserved (the race); the reservations decide.
    for (const ev of [a, b]) for (const p of fx.hooks.rejectEvent) expect((await p(sessionOf(owner), ev)).ok).toBe(true);
    const [reserve] = fx.hooks.reserveEvent;
    const won = await reserve!(sessionOf(owner), a);
    const lost = await reserve!(sessionOf(owner), b);
    expect(won.ok).toBe(true);
    expect(lost).toMatchObject({ ok: false, reason: { prefix: 'invalid', message: expect.stringMatching(/^stale seq 2/) } });
    let roster = await fx.ctx.kv.get<Roster>(COLLECTIONS.rosters, GROUP);
    expect(roster?.members).toContain(member.pk);
    expect(roster?.members).not.toContain(outsider.pk);
    // The winner's event was then not stored (say, the store failed): its roster step is undone.
    if (won.ok) await won.release?.();
    roster = await fx.ctx.kv.get<Roster>(COLLECTIONS.rosters, GROUP);
    expect(roster?.seq).toBe(1);
    expect(roster?.members).not.toContain(member.pk);
    expect(fx.ctx.rosters.isMember(GROUP, [member.pk])).toBe(false);
  });

  it('open mode lets any authenticated connection read and write groups', async () => {
    fx = await gatewayFixture({ membership: 'open' });
    const msg = groupMessage();
    expect(await fx.publish(sessionOf(outsider), msg)).toMatchObject({ ok: true });
    expect((await fx.req(sessionOf(outsider), [{ kinds: [445], tags: { h: [GROUP] } }])).events).toHaveLength(1);
  });
});

describe('group registry', () => {
  it('counts messages, keeps first/last activity and the epoch hint', async () => {
    const caller = identity();
    fx = await gatewayFixture({}, [caller]);
    const t = fx.clock.now;
    await fx.publish(sessionOf(), signed(identity(), { kind: 445, tags: [['h', GROUP]], content: content(), created_at: t - 5 }));
    // created_at from the fixture's clock, not the wall clock: a second may tick since the fixture started.
    await fx.publish(sessionOf(), signed(identity(), { kind: 445, tags: [['h', GROUP], ['k', '7']], content: content(), created_at: t }));
    const res = await fx.call(caller, 'GET', `/groups/${GROUP}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ group_id: GROUP, message_count: 2, epoch_hint: '7', last_activity: t, first_seen: t, roster: null });
    expect((await fx.call(caller, 'GET', `/groups/${'d'.repeat(64)}`)).status).toBe(404);
    expect(await metricValue(fx.registry, 'mls_gateway_groups_updated_total')).toBe(2);
  });
});
