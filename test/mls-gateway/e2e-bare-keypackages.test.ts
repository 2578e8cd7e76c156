/**
 * Members whose clients publish bare-framed KeyPackages (MDK-era 443, marmot-ts 0.5 30443 with a
 * free-text slot) can be invited and chat: publish, fetch, Welcome in a gift wrap, join, 445 both
 * ways, removal — through a relay on its default gateway profile with only the members allowlisted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../src/nostr/event.js';
import {
  addMembers,
  createAppMessage,
  createTestGroup,
  decryptGroupContent,
  groupMessageEvent,
  joinFromWelcome,
  makeKeyPackage,
  mdkEra443,
  mlsIdentity,
  processIncoming,
  removeMember,
  sketchEra30443,
  unwrapWelcome,
  wrapWelcome,
} from '../mls/fixtures.js';
import { now } from '../helpers.js';
import { waitFor, type RawClient, type TestRelay } from '../harness.js';
import { authedClient, eventsOn, keyPackageFromEvent, publish, restCall, startGatewayRelay } from './e2e-support.js';

const alice = mlsIdentity(); // adopted client
const bob = mlsIdentity(); // marmot-ts 0.5 (sketch-era 30443)
const carol = mlsIdentity(); // MDK (443)

describe('a group whose members published bare-framed KeyPackages', () => {
  let relay: TestRelay;
  let a: RawClient;
  let b: RawClient;
  let c: RawClient;

  beforeAll(async () => {
    relay = await startGatewayRelay([alice, bob, carol], {});
    [a, b, c] = [await authedClient(relay.url, alice), await authedClient(relay.url, bob), await authedClient(relay.url, carol)];
  });
  afterAll(async () => {
    for (const x of [a, b, c]) x.close();
    await relay.stop();
  });

  it('is created from fetched packages, joined from Welcomes, chats both ways and removes a member', async () => {
    const bobKp = await makeKeyPackage(bob);
    const carolKp = await makeKeyPackage(carol);
    const bobEvent = sketchEra30443(bob, bobKp);
    const carolEvent = mdkEra443(carol, carolKp);
    expect(await publish(b, bobEvent)).toEqual({ ok: true, message: '' });
    expect(await publish(c, carolEvent)).toEqual({ ok: true, message: '' });

    // The directory records the framing; the REST listing shows it.
    const listing = await restCall(relay, alice, 'GET', `/keypackages?owner=${bob.pk}`);
    expect(listing.json.keypackages).toEqual([expect.objectContaining({ event_id: bobEvent.id, framing: 'bare', kind: 30443 })]);
    const metrics = await (await fetch(relay.server.metricsUrl)).text();
    expect(metrics).toMatch(/^mls_gateway_keypackages_stored_total\{framing="bare"\} 2$/m);

    // Alice fetches both packages as signed events and decodes them as a client reading both framings does.
    const fetched = await a.req('kps', { kinds: [443, 30443], authors: [bob.pk, carol.pk] });
    expect(fetched.events.map((e) => e.id).sort()).toEqual([bobEvent.id, carolEvent.id].sort());
    const byAuthor = (pk: string) => keyPackageFromEvent(fetched.events.find((e) => e.pubkey === pk) as NostrEvent);
    let aliceState = await createTestGroup(alice, await makeKeyPackage(alice));
    const added = await addMembers(aliceState, [byAuthor(bob.pk), byAuthor(carol.pk)]);
    expect(await publish(a, await groupMessageEvent(aliceState, added.commit))).toMatchObject({ ok: true });
    aliceState = added.state;

    // Welcomes in gift wraps, fetched by each recipient from its inbox, then joined.
    for (const [who, kpEvent] of [[bob, bobEvent], [carol, carolEvent]] as const) {
      const wrap = wrapWelcome(alice, who.pk, added.welcome, { keyPackageEventId: kpEvent.id, relays: [relay.url] });
      expect(await publish(a, wrap)).toMatchObject({ ok: true });
    }
    const join = async (client: RawClient, who: typeof bob, kp: typeof bobKp) => {
      const inbox = await client.req(`inbox-${who.pk.slice(0, 6)}`, { kinds: [1059], '#p': [who.pk] });
      expect(inbox.events).toHaveLength(1);
      return joinFromWelcome(unwrapWelcome(inbox.events[0] as NostrEvent, who).welcome, kp);
    };
    let bobState = await join(b, bob, bobKp);
    const carolState = await join(c, carol, carolKp);
    expect(carolState.groupContext.epoch).toBe(aliceState.groupContext.epoch);

    // Alice → Bob and Bob → Alice, live, over throwaway-key 445s.
    await a.req('live-a', { kinds: [445], since: now() - 5 });
    await b.req('live-b', { kinds: [445], since: now() - 5 });
    const fromA = a.messages.length;
    const fromB = b.messages.length;
    const hello = await createAppMessage(aliceState, 'hello bare bob');
    aliceState = hello.state;
    expect(await publish(a, await groupMessageEvent(aliceState, hello.message))).toMatchObject({ ok: true });
    await waitFor(() => eventsOn(b, 'live-b', fromB).length >= 1);
    const atBob = await processIncoming(bobState, await decryptGroupContent(bobState, (eventsOn(b, 'live-b', fromB)[0] as NostrEvent).content));
    bobState = atBob.state;
    expect(atBob.text).toBe('hello bare bob');
    const reply = await createAppMessage(bobState, 'hi alice');
    bobState = reply.state;
    const replyEvent = await groupMessageEvent(bobState, reply.message);
    expect(await publish(b, replyEvent)).toMatchObject({ ok: true });
    await waitFor(() => eventsOn(a, 'live-a', fromA).some((e) => e.id === replyEvent.id));
    const atAlice = await processIncoming(aliceState, await decryptGroupContent(aliceState, replyEvent.content));
    aliceState = atAlice.state;
    expect(atAlice.text).toBe('hi alice');

    // Alice removes Carol; Bob applies the Commit and the group moves on without her.
    const removal = await removeMember(aliceState, carol.pk);
    const fromB2 = b.messages.length;
    expect(await publish(a, await groupMessageEvent(aliceState, removal.commit))).toMatchObject({ ok: true });
    aliceState = removal.state;
    await waitFor(() => eventsOn(b, 'live-b', fromB2).length >= 1);
    const commitAtBob = eventsOn(b, 'live-b', fromB2)[0] as NostrEvent;
    bobState = (await processIncoming(bobState, await decryptGroupContent(bobState, commitAtBob.content))).state;
    expect(bobState.groupContext.epoch).toBe(aliceState.groupContext.epoch);
    // Carol's key for the new epoch is gone: she cannot open what the group sends now.
    const after = await groupMessageEvent(aliceState, (await createAppMessage(aliceState, 'without carol')).message);
    await expect(decryptGroupContent(carolState, after.content)).rejects.toThrow();
  });
});
