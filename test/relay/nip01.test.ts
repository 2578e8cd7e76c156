import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from 'nostr-tools/relay';
import { connect, RawClient, startTestRelay, waitFor, type TestRelay } from '../harness.js';
import { clientAs } from '../auth/e2e-support.js';
import { identity, now, signed } from '../helpers.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => {
  await relay.stop();
});

/** Collects a subscription's stored events until EOSE. */
function fetchAll(client: Relay, filters: Parameters<Relay['subscribe']>[0]): Promise<{ id: string; created_at: number }[]> {
  return new Promise((resolve) => {
    const got: { id: string; created_at: number }[] = [];
    const sub = client.subscribe(filters, {
      onevent: (ev) => got.push(ev),
      oneose: () => {
        sub.close();
        resolve(got);
      },
    });
  });
}

describe('NIP-01 over a real socket', () => {
  it('stores a published event and serves it back by every filter field', async () => {
    const client = await connect(relay.url);
    const alice = identity();
    const other = identity();
    const t = now() - 100;
    const ev = signed(alice, { kind: 1, created_at: t, tags: [['e', 'a'.repeat(64)], ['t', 'mls']] });
    await client.publish(ev);
    await client.publish(signed(other, { kind: 1, created_at: t }));

    expect((await fetchAll(client, [{ ids: [ev.id] }])).map((e) => e.id)).toEqual([ev.id]);
    expect((await fetchAll(client, [{ authors: [alice.pk] }])).map((e) => e.id)).toEqual([ev.id]);
    expect((await fetchAll(client, [{ authors: [alice.pk], kinds: [1] }])).length).toBe(1);
    expect((await fetchAll(client, [{ authors: [alice.pk], kinds: [7] }])).length).toBe(0);
    expect((await fetchAll(client, [{ '#t': ['mls'] }])).map((e) => e.id)).toEqual([ev.id]);
    expect((await fetchAll(client, [{ '#e': ['a'.repeat(64)], authors: [alice.pk] }])).length).toBe(1);
    expect((await fetchAll(client, [{ authors: [alice.pk], since: t + 1 }])).length).toBe(0);
    expect((await fetchAll(client, [{ authors: [alice.pk], until: t - 1 }])).length).toBe(0);
    expect((await fetchAll(client, [{ authors: [alice.pk], since: t, until: t }])).length).toBe(1);
    client.close();
  });

  it('ORs several filters, orders newest first with ties by id, and applies limit per filter', async () => {
    const client = await connect(relay.url);
    const a = identity();
    const b = identity();
    const t = now() - 50;
    const evs = [
      signed(a, { created_at: t }),
      signed(a, { created_at: t }),
      signed(a, { created_at: t - 10 }),
      signed(b, { created_at: t + 5 }),
    ];
    for (const ev of evs) await client.publish(ev);
    const got = await fetchAll(client, [{ authors: [a.pk] }, { authors: [b.pk] }]);
    const expected = [...evs].sort((x, y) => y.created_at - x.created_at || (x.id < y.id ? -1 : 1)).map((e) => e.id);
    expect(got.map((e) => e.id)).toEqual(expected);
    const limited = await fetchAll(client, [{ authors: [a.pk], limit: 1 }, { authors: [b.pk], limit: 1 }]);
    expect(limited.length).toBe(2);
    expect(limited.map((e) => e.id)).toContain(expected.filter((id) => evs.slice(0, 2).some((e) => e.id === id))[0]);
    client.close();
  });

  it('sends EOSE, then live events, and nothing after CLOSE', async () => {
    const reader = await RawClient.open(relay.url);
    const writer = await connect(relay.url);
    const who = identity();
    const r = await reader.req('live', { authors: [who.pk] });
    expect(r.events).toEqual([]);
    const ev = signed(who);
    await writer.publish(ev);
    const live = await reader.next((m) => m[0] === 'EVENT' && m[1] === 'live');
    expect((live[2] as { id: string }).id).toBe(ev.id);
    reader.send(['CLOSE', 'live']);
    // A connection's frames are handled in order: once the next REQ is answered, CLOSE has been.
    // That REQ is a witness with the same filter: when it gets the next event, `live` would have too.
    await reader.req('witness', { authors: [who.pk], limit: 0 });
    const before = reader.messages.length;
    const next = signed(who);
    await writer.publish(next);
    await reader.next((m) => m[0] === 'EVENT' && m[1] === 'witness', 3000, before);
    expect(reader.messages.slice(before).filter((m) => m[0] === 'EVENT' && m[1] === 'live')).toEqual([]);
    reader.close();
    writer.close();
  });

  it('answers duplicates with OK true "duplicate:" and bad events with OK false "invalid:"', async () => {
    const client = await RawClient.open(relay.url);
    const who = identity();
    const ev = signed(who);
    expect(await client.publish(ev)).toEqual(['OK', ev.id, true, '']);
    const dup = await client.publish(ev);
    expect(dup[2]).toBe(true);
    expect(dup[3]).toMatch(/^duplicate: /);

    const badSig = { ...signed(who), sig: 'f'.repeat(128) };
    const r1 = await client.publish(badSig);
    expect(r1[2]).toBe(false);
    expect(r1[3]).toMatch(/^invalid: bad signature/);

    const tampered = { ...signed(who, { content: 'original' }) };
    tampered.content = 'changed';
    const r2 = await client.publish(tampered);
    expect(r2[3]).toMatch(/^invalid: event id does not match/);

    const upper = { ...signed(who) };
    upper.id = upper.id.toUpperCase();
    const r3 = await client.request(['EVENT', upper], (m) => m[0] === 'OK');
    expect(r3[2]).toBe(false);
    expect(r3[3]).toMatch(/^invalid: id must be 64 lowercase hex/);
    client.close();
  });

  it('counts with NIP-45 COUNT', async () => {
    const client = await RawClient.open(relay.url);
    const who = identity();
    for (let i = 0; i < 3; i++) await client.publish(signed(who, { kind: 7 }));
    const res = await client.request(['COUNT', 'c1', { authors: [who.pk], kinds: [7] }], (m) => m[0] === 'COUNT' && m[1] === 'c1');
    expect(res[2]).toEqual({ count: 3 });
    client.close();
  });

  it('bounds COUNT at limits.max_count and says so with approximate: true, never for events the client cannot read', async () => {
    const small = await startTestRelay({ overrides: { limits: { max_count: 5 } } });
    try {
      const client = await RawClient.open(small.url);
      const who = identity();
      for (let i = 0; i < 7; i++) await client.publish(signed(who, { kind: 7, content: `r${i}` }));
      for (let i = 0; i < 3; i++) await client.publish(signed(who, { kind: 8, content: `s${i}` }));
      const count = async (id: string, ...filters: object[]) =>
        (await client.request(['COUNT', id, ...filters], (m) => m[0] === 'COUNT' && m[1] === id))[2];
      expect(await count('c1', { authors: [who.pk], kinds: [7] })).toEqual({ count: 5, approximate: true });
      expect(await count('c2', { authors: [who.pk], kinds: [8] })).toEqual({ count: 3 });
      // Recipient-only gift wraps are counted by reading them through the gate, within the same bound.
      for (let i = 0; i < 6; i++) await client.publish(signed(identity(), { kind: 1059, tags: [['p', who.pk]], content: `w${i}` }));
      const gatedCount = async (c: RawClient, id: string) =>
        (await c.request(['COUNT', id, { kinds: [1059], '#p': [who.pk] }], (m) => m[0] === 'COUNT' && m[1] === id))[2];
      const recipient = await clientAs(small.url, who);
      expect(await gatedCount(recipient, 'g1')).toEqual({ count: 5, approximate: true });
      // A stranger reads none: 0, and no hint that the scan was full of wraps for someone else.
      const stranger = await clientAs(small.url, identity());
      expect(await gatedCount(stranger, 'g2')).toEqual({ count: 0 });
      for (const c of [client, recipient, stranger]) c.close();
    } finally {
      await small.stop();
    }
  });

  it('lets several subscriptions on one connection receive the same live event', async () => {
    const client = await RawClient.open(relay.url);
    const who = identity();
    await client.req('s1', { authors: [who.pk] });
    await client.req('s2', { kinds: [1] });
    const ev = signed(who);
    await client.publish(ev);
    await waitFor(() => client.messages.filter((m) => m[0] === 'EVENT' && (m[2] as { id: string }).id === ev.id).length === 2);
    client.close();
  });
});
