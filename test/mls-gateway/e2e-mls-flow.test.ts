import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../src/nostr/event.js';
import {
  addMembers,
  buildLargeWelcome,
  createAppMessage,
  createTestGroup,
  decryptGroupContent,
  groupMessageEvent,
  joinFromWelcome,
  keyPackageEvent30443,
  keyPackageEvent443,
  makeKeyPackage,
  mlsIdentity,
  nostrGroupIdOf,
  processIncoming,
  unwrapWelcome,
  wrapWelcome,
} from '../mls/fixtures.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { waitFor, type RawClient, type TestRelay } from '../harness.js';
import { authedClient, eventsOn, keyPackageFromEvent, publish, startGatewayRelay, type Backend } from './e2e-support.js';
import { emulatorHost } from '../storage/firestore-env.js';

const alice = mlsIdentity();
const bob = mlsIdentity();
const carol = mlsIdentity();
// The same flow on both backends: SQLite always, Firestore when the emulator runs (issue 5).
const BACKENDS: Backend[] = emulatorHost ? ['sqlite', 'firestore'] : ['sqlite'];

describe.each(BACKENDS)('MLS over the real relay (%s, roster mode)', (backend) => {
  let relay: TestRelay;
  const clients: RawClient[] = [];

  async function client(who: Identity): Promise<RawClient> {
    const c = await authedClient(relay.url, who);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    relay = await startGatewayRelay([alice, bob, carol], { membership: 'roster' }, backend);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await relay.stop();
  });

  const rosterOp = (author: Identity, group: string, seq: number, op: string, targets: string[]) =>
    signed(author, { kind: 450, content: '', tags: [['h', group], ['seq', String(seq)], ['op', op], ...targets.map((p) => ['p', p])] });

    it('KeyPackages, Welcome in a gift wrap, 445 traffic, member-only reads and removal', async () => {
      const [a, b, c] = [await client(alice), await client(bob), await client(carol)];

      // Both dialects of KeyPackage are accepted.
      const aliceKp = await makeKeyPackage(alice);
      const bobKp = await makeKeyPackage(bob);
      expect(await publish(a, keyPackageEvent30443(alice, aliceKp))).toEqual({ ok: true, message: '' });
      const bobKpEvent = keyPackageEvent443(bob, bobKp);
      expect(await publish(b, bobKpEvent)).toMatchObject({ ok: true });

      // Alice fetches Bob's package as the original signed event and builds the group from it.
      const fetched = await a.req('kp', { kinds: [443, 30443], authors: [bob.pk] });
      expect(fetched.events.map((e) => e.id)).toEqual([bobKpEvent.id]);
      let aliceState = await createTestGroup(alice, aliceKp);
      const group = nostrGroupIdOf(aliceState);
      expect(await publish(a, rosterOp(alice, group, 1, 'bootstrap', [bob.pk]))).toMatchObject({ ok: true });
      const added = await addMembers(aliceState, [keyPackageFromEvent(fetched.events[0] as NostrEvent)]);
      const commit = await groupMessageEvent(aliceState, added.commit); // encrypted in the epoch before the Commit
      aliceState = added.state;
      expect(await publish(a, commit)).toMatchObject({ ok: true });

      // The Welcome travels to Bob in a gift wrap; Bob joins from it.
      const wrap = wrapWelcome(alice, bob.pk, added.welcome, { keyPackageEventId: bobKpEvent.id, relays: [relay.url] });
      expect(await publish(a, wrap)).toMatchObject({ ok: true });
      const inbox = await b.req('inbox', { kinds: [1059], '#p': [bob.pk] });
      expect(inbox.events.map((e) => e.id)).toEqual([wrap.id]);
      let bobState = await joinFromWelcome(unwrapWelcome(inbox.events[0] as NostrEvent, bob).welcome, bobKp);

      // Live group traffic, signed by throwaway keys, reaches the member, not the outsider.
      await b.req('live-b', { kinds: [445], '#h': [group], since: now() });
      await c.req('live-c', { kinds: [445], since: now() });
      const fromB = b.messages.length;
      const fromC = c.messages.length;
      const app = await createAppMessage(aliceState, 'hello bob');
      aliceState = app.state;
      const appEvent = await groupMessageEvent(aliceState, app.message);
      expect(appEvent.pubkey).not.toBe(alice.pk);
      expect(await publish(a, appEvent)).toMatchObject({ ok: true });
      await waitFor(() => eventsOn(b, 'live-b', fromB).length === 1);
      const received = eventsOn(b, 'live-b', fromB)[0] as NostrEvent;
      const plain = await processIncoming(bobState, await decryptGroupContent(bobState, received.content));
      bobState = plain.state;
      expect(plain.text).toBe('hello bob');

      // Carol is allowlisted but not in the roster: no #h reads, no stored or live 445, no 450.
      const denied = await c.req('h', { kinds: [445], '#h': [group] });
      expect(denied.closed).toMatch(/^restricted:/);
      expect((await c.req('all', { kinds: [445, 450] })).events).toEqual([]);
      expect(eventsOn(c, 'live-c', fromC)).toEqual([]);
      expect(await publish(c, await groupMessageEvent(aliceState, app.message))).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^restricted:/),
      });

      // Bob is removed through the roster and loses access at once.
      expect(await publish(a, rosterOp(alice, group, 2, 'remove', [bob.pk]))).toMatchObject({ ok: true });
      expect((await b.req('after', { kinds: [445], '#h': [group] })).closed).toMatch(/^restricted:/);
      expect((await b.req('after-all', { kinds: [445] })).events).toEqual([]);
      const fromB2 = b.messages.length;
      const later = await createAppMessage(aliceState, 'bob is gone');
      expect(await publish(a, await groupMessageEvent(aliceState, later.message))).toMatchObject({ ok: true });
      // Alice (a member) sees it; Bob's live subscription stays silent.
      expect((await a.req('alice-view', { kinds: [445], '#h': [group] })).events).toHaveLength(3);
      expect(eventsOn(b, 'live-b', fromB2)).toEqual([]);
    });

    it("a third member sees no gift wrap addressed to someone else (the core's recipient-only gate)", async () => {
      const [a, c] = [await client(alice), await client(carol)];
      const wrap = wrapWelcome(alice, bob.pk, new Uint8Array(64), { keyPackageEventId: '0'.repeat(64), relays: [] });
      expect(await publish(a, wrap)).toMatchObject({ ok: true });
      expect((await c.req('peek', { kinds: [1059], '#p': [bob.pk] })).events).toEqual([]);
      expect((await c.req('peek-all', { kinds: [1059] })).events).toEqual([]);
    });

    it('refuses forged, expired, truncated and mismatched KeyPackages with their reasons', async () => {
      const a = await client(alice);
      const good = await makeKeyPackage(alice);
      const t = now();
      const expired = await makeKeyPackage(alice, { lifetime: { notBefore: t - 90_000, notAfter: t - 3600 } });
      const cases: [string, NostrEvent][] = [
        ['forged (another identity)', keyPackageEvent30443(identity(), good)],
        ['expired', keyPackageEvent30443(alice, expired)],
        ['truncated', keyPackageEvent30443(alice, good, { content: Buffer.from(good.bytes.subarray(0, 100)).toString('base64') })],
        [
          'mismatched ref',
          keyPackageEvent30443(alice, good, {
            tags: keyPackageEvent30443(alice, good).tags.map((x) => (x[0] === 'i' ? ['i', '00'.repeat(32)] : x)),
          }),
        ],
        ['443 exp in the past', keyPackageEvent443(alice, good, { exp: t - 10 })],
      ];
      for (const [what, ev] of cases) {
        const res = await publish(a, ev);
        expect(res.ok, what).toBe(false);
        expect(res.message, what).toMatch(/^invalid: .+/);
      }
      expect(await publish(a, signed(alice, { kind: 444, content: 'welcome' }))).toEqual({
        ok: false,
        message: 'invalid: a Welcome (kind 444) must be sent inside a kind 1059 gift wrap',
      });
    });

    it('accepts a 150-member Welcome gift wrap', async () => {
      const large = await buildLargeWelcome(150);
      const size = JSON.stringify(large.wrap).length;
      expect(size).toBeGreaterThan(100_000);
      const a = await client(alice);
      expect(await publish(a, large.wrap)).toMatchObject({ ok: true });
      console.log(`150-member Welcome: ${large.welcome.length} B, gift wrap event ${size} B, built in ${Math.round(large.buildMs)} ms`);
    }, 120_000);
});
