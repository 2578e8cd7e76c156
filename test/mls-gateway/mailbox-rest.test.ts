import { allowsDeletion } from '../../src/nostr/deletion.js';
import { afterEach, describe, expect, it } from 'vitest';
import { maintainGateway } from '../../extensions/mls-gateway/maintain.js';
import { identity, signed, type Identity } from '../helpers.js';
import { wrapWelcome } from '../mls/fixtures.js';
import { gatewayFixture, sessionOf, type GatewayFixture } from './gateway-fixture.js';

let fx: GatewayFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const GROUP = 'e'.repeat(64);
const content = () => Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64');
const wrapFor = (sender: Identity, recipient: Identity) =>
  wrapWelcome(sender, recipient.pk, new Uint8Array(200), { keyPackageEventId: 'f'.repeat(64), relays: ['ws://relay.test'] });

describe('mailbox and REST', () => {
  const [alice, bob, carol] = [identity(), identity(), identity()];

  it('keeps gift wraps for their recipient until acknowledged', async () => {
    fx = await gatewayFixture({}, [alice, bob, carol]);
    const wrap = wrapFor(alice, bob);
    expect(await fx.publish(sessionOf(alice), wrap)).toMatchObject({ ok: true, status: 'saved' });

    const pending = await fx.call(bob, 'GET', '/welcomes');
    expect(pending.status).toBe(200);
    expect(pending.json.welcomes.map((e: { id: string }) => e.id)).toEqual([wrap.id]);
    expect((await fx.call(carol, 'GET', '/welcomes')).json.welcomes).toEqual([]);

    expect((await fx.call(carol, 'POST', `/welcomes/${wrap.id}/ack`)).status).toBe(404);
    expect((await fx.call(bob, 'POST', '/welcomes/not-an-id/ack')).status).toBe(400);
    const ack = await fx.call(bob, 'POST', `/welcomes/${wrap.id}/ack`);
    expect(ack).toMatchObject({ status: 200, json: { acknowledged: true } });
    expect((await fx.call(bob, 'GET', '/welcomes')).json.welcomes).toEqual([]);
    expect(await fx.storage.events.has(wrap.id)).toBe(true); // the archive keeps it
  });

  it('removes undelivered mail after welcome_ttl, from the store too', async () => {
    fx = await gatewayFixture({ welcome_ttl: 3600, archive_ttl_days: 0 }, [bob]);
    const wrap = wrapFor(alice, bob);
    const dm = signed(alice, { kind: 446, tags: [['p', bob.pk], ['v', 'noise.1']], content: 'opaque' });
    await fx.publish(sessionOf(alice), wrap);
    await fx.publish(sessionOf(alice), dm);
    expect((await maintainGateway(fx.ctx, fx.clock.now)).undeliveredRemoved).toBe(0);
    fx.clock.now += 3601;
    expect((await maintainGateway(fx.ctx, fx.clock.now)).undeliveredRemoved).toBe(2);
    expect(await fx.storage.events.has(wrap.id)).toBe(false);
    expect(await fx.storage.events.has(dm.id)).toBe(false);
  });

  it('lets the recipient delete a gift wrap (NIP-09), which empties the mailbox', async () => {
    fx = await gatewayFixture({}, [bob]);
    const wrap = wrapFor(alice, bob);
    await fx.publish(sessionOf(alice), wrap);
    expect(allowsDeletion(fx.core.parts.writer.mayDelete, bob.pk, wrap)).toBe(true);
    expect(allowsDeletion(fx.core.parts.writer.mayDelete, carol.pk, wrap)).toBe(false);
    await fx.deleteAs(bob, [wrap.id]);
    expect((await fx.call(bob, 'GET', '/welcomes')).json.welcomes).toEqual([]);
  });

  it('pages group backfill with has_more and next_until, and checks bodies', async () => {
    fx = await gatewayFixture({}, [alice]);
    const t = fx.clock.now;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const ev = signed(identity(), { kind: 445, tags: [['h', GROUP]], content: content(), created_at: t - 50 + i * 10 });
      await fx.publish(sessionOf(alice), ev);
      ids.unshift(ev.id); // newest first
    }
    const page1 = await fx.call(alice, 'POST', '/messages/group', { group_id: GROUP, since: 0, limit: 2 });
    expect(page1.status).toBe(200);
    expect(page1.json.events.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2));
    expect(page1.json.has_more).toBe(true);
    const page2 = await fx.call(alice, 'POST', '/messages/group', {
      group_id: GROUP,
      until: page1.json.next_until - 1,
      limit: 3,
    });
    expect(page2.json.events.map((e: { id: string }) => e.id)).toEqual(ids.slice(2, 5));
    expect(page2.json.has_more).toBe(false);

    const bad = await fx.call(alice, 'POST', '/messages/group', { since: 0 });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/group_id/);
    expect((await fx.call(alice, 'POST', '/messages/group', { group_id: GROUP, limit: 0 })).status).toBe(400);
  });

  it('returns missed messages addressed to the caller, and group messages of their groups in roster mode', async () => {
    fx = await gatewayFixture({ membership: 'roster' }, [alice, bob, carol]);
    const boot = signed(alice, { kind: 450, content: '', tags: [['h', GROUP], ['seq', '1'], ['op', 'bootstrap'], ['p', bob.pk]] });
    await fx.publish(sessionOf(alice), boot);
    const msg = signed(identity(), { kind: 445, tags: [['h', GROUP]], content: content() });
    expect((await fx.publish(sessionOf(alice), msg)).ok).toBe(true);
    const wrap = wrapFor(alice, bob);
    await fx.publish(sessionOf(alice), wrap);

    const bobs = await fx.call(bob, 'POST', '/messages/missed', { since: 0 });
    expect(bobs.status).toBe(200);
    expect(bobs.json.events.map((e: { id: string }) => e.id).sort()).toEqual([msg.id, wrap.id].sort());
    const carols = await fx.call(carol, 'POST', '/messages/missed', { since: 0 });
    expect(carols.json.events).toEqual([]);
    expect((await fx.call(carol, 'POST', '/messages/group', { group_id: GROUP })).status).toBe(403);
    expect((await fx.call(carol, 'GET', `/groups/${GROUP}`)).status).toBe(403);
    const info = await fx.call(bob, 'GET', `/groups/${GROUP}`);
    expect(info.json.roster).toMatchObject({ owner: alice.pk, seq: 1 });
  });

  it('applies archive retention to 445/446/1059 in maintenance', async () => {
    fx = await gatewayFixture({ archive_ttl_days: 1 });
    const t = fx.clock.now;
    const old = signed(identity(), { kind: 445, tags: [['h', GROUP]], content: content(), created_at: t - 2 * 86400 });
    const fresh = signed(identity(), { kind: 445, tags: [['h', GROUP]], content: content(), created_at: t - 60 });
    const note = signed(alice, { kind: 1, content: 'kept', created_at: t - 3 * 86400 });
    for (const ev of [old, fresh, note]) await fx.publish(sessionOf(alice), ev);
    expect((await maintainGateway(fx.ctx, t)).archiveRemoved).toBe(1);
    expect(await fx.storage.events.has(old.id)).toBe(false);
    expect(await fx.storage.events.has(fresh.id)).toBe(true);
    expect(await fx.storage.events.has(note.id)).toBe(true);
  });
});
