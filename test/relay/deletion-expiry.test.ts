import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => {
  await relay.stop();
});

describe('NIP-09 deletion', () => {
  it('deletes the author\'s own events by e tag, stores the request, and refuses later copies', async () => {
    const c = await RawClient.open(relay.url);
    const alice = identity();
    const mallory = identity();
    const mine = signed(alice);
    const theirs = signed(mallory);
    await c.publish(mine);
    await c.publish(theirs);
    const del = signed(alice, { kind: 5, tags: [['e', mine.id], ['e', theirs.id]] });
    expect((await c.publish(del))[2]).toBe(true);

    expect((await c.req('a', { ids: [mine.id] })).events).toEqual([]);
    expect((await c.req('b', { ids: [theirs.id] })).events.length).toBe(1);
    expect((await c.req('c', { ids: [del.id] })).events.length).toBe(1);
    const again = await c.publish(mine);
    expect(again[2]).toBe(false);
    expect(again[3]).toMatch(/^blocked: /);
    // mallory's event survives a deletion request by someone else, and can still be re-sent as a duplicate
    expect((await c.publish(theirs))[3]).toMatch(/^duplicate: /);
    c.close();
  });

  it('deletes addressable events by a tag up to the request time', async () => {
    const c = await RawClient.open(relay.url);
    const alice = identity();
    const t = now() - 20;
    const v = signed(alice, { kind: 30001, created_at: t, tags: [['d', 'list']] });
    await c.publish(v);
    await c.publish(signed(alice, { kind: 5, created_at: t + 5, tags: [['a', `30001:${alice.pk}:list`]] }));
    expect((await c.req('a', { authors: [alice.pk], kinds: [30001] })).events).toEqual([]);
    const newer = signed(alice, { kind: 30001, created_at: t + 10, tags: [['d', 'list']] });
    expect((await c.publish(newer))[2]).toBe(true);
    expect((await c.req('b', { authors: [alice.pk], kinds: [30001] })).events.map((e) => e.id)).toEqual([newer.id]);
    c.close();
  });
});

describe('NIP-40 expiration', () => {
  it('refuses already expired events and hides events once they expire', async () => {
    const c = await RawClient.open(relay.url);
    const who = identity();
    const expired = signed(who, { tags: [['expiration', String(now() - 1)]] });
    const r = await c.publish(expired);
    expect(r[2]).toBe(false);
    expect(r[3]).toMatch(/^invalid: event has expired/);

    // Far enough ahead that a loaded machine still publishes and reads it before it expires.
    const expiresAt = now() + 4;
    const soon = signed(who, { tags: [['expiration', String(expiresAt)]] });
    expect((await c.publish(soon))[2]).toBe(true);
    expect((await c.req('a', { ids: [soon.id] })).events.length).toBe(1);
    await waitFor(() => now() > expiresAt, 10_000);
    expect((await c.req('b', { ids: [soon.id] })).events).toEqual([]);
    const purged = await relay.server.storage.events.purgeExpired();
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await relay.server.storage.events.has(soon.id)).toBe(false);
    c.close();
  });
});
