import { expect, it } from 'vitest';
import { RawClient, type TestRelay } from '../harness.js';
import { identity, now, signed } from '../helpers.js';
import { onBothStores } from './on-both-stores.js';

// A connection's EVENTs go through their policies in order while earlier ones wait for their
// commit, so they share commits (issue 15); what a client sees must not change: OKs in order,
// a REQ after EVENTs reads them, a deletion deletes what the same connection just sent, live
// delivery follows the order of sending.

async function saveBatches(relay: TestRelay): Promise<number> {
  const text = await (await fetch(relay.server.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith('nostr_relay_store_operations_total{') && l.includes('op="save_batch"') && l.includes('outcome="ok"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

const oks = (c: RawClient) => c.messages.filter((m) => m[0] === 'OK');

function pipelinedCases(getRelay: () => TestRelay) {
  it('commits them together and answers every OK in the order sent', async () => {
    const client = await RawClient.open(getRelay().url);
    const alice = identity();
    const events = Array.from({ length: 40 }, (_, i) => signed(alice, { kind: 1, content: `note ${i}`, created_at: now() - i }));
    const relay = getRelay();
    const before = await saveBatches(relay);
    // Sent in one go, as by a client that does not wait for each OK.
    for (const ev of events) client.send(['EVENT', ev]);
    await client.next(() => oks(client).length === 40, 5000);
    expect(oks(client).map((m) => m[1])).toEqual(events.map((ev) => ev.id));
    expect(oks(client).every((m) => m[2] === true)).toBe(true);
    // One transaction per event before: 40 batches for one connection.
    expect((await saveBatches(relay)) - before).toBeLessThan(10);
    client.ws.close();
  });

  it('a REQ sent right after EVENTs reads all of them', async () => {
    const client = await RawClient.open(getRelay().url);
    const bob = identity();
    const events = Array.from({ length: 25 }, (_, i) => signed(bob, { kind: 1, content: `n${i}`, created_at: now() - i }));
    for (const ev of events) client.send(['EVENT', ev]);
    client.send(['REQ', 'after', { authors: [bob.pk] }]);
    await client.next((m) => m[0] === 'EOSE' && m[1] === 'after', 5000);
    const got = client.messages.filter((m) => m[0] === 'EVENT' && m[1] === 'after').map((m) => (m[2] as { id: string }).id);
    expect(new Set(got)).toEqual(new Set(events.map((e) => e.id)));
    // Every OK came before the REQ's answers.
    const firstEvent = client.messages.findIndex((m) => m[0] === 'EVENT');
    expect(client.messages.slice(0, firstEvent).filter((m) => m[0] === 'OK')).toHaveLength(25);
    client.ws.close();
  });

  it('a deletion sent right after its targets deletes them; a second client reads nothing', async () => {
    const client = await RawClient.open(getRelay().url);
    const carol = identity();
    const targets = Array.from({ length: 5 }, (_, i) => signed(carol, { kind: 1, content: `gone ${i}`, created_at: now() - 10 - i }));
    const deletion = signed(carol, { kind: 5, tags: targets.map((t) => ['e', t.id]) });
    for (const ev of [...targets, deletion]) client.send(['EVENT', ev]);
    await client.next((m) => m[0] === 'OK' && m[1] === deletion.id, 5000);
    expect(oks(client).every((m) => m[2] === true)).toBe(true);

    const reader = await RawClient.open(getRelay().url);
    reader.send(['REQ', 'gone', { ids: targets.map((t) => t.id) }]);
    await reader.next((m) => m[0] === 'EOSE', 3000);
    expect(reader.messages.filter((m) => m[0] === 'EVENT')).toHaveLength(0);
    // And a copy sent again is refused: the tombstones were written with the deletion.
    client.send(['EVENT', targets[0]]);
    const again = await client.next((m) => m[0] === 'OK' && m[1] === targets[0]!.id, 3000, client.messages.length);
    expect(again[2]).toBe(false);
    expect(String(again[3])).toMatch(/^blocked:/);
    client.ws.close();
    reader.ws.close();
  });

  it('live subscribers get a connection’s events, stored and ephemeral, in the order it sent them', async () => {
    const dave = identity();
    const watcher = await RawClient.open(getRelay().url);
    watcher.send(['REQ', 'live', { authors: [dave.pk] }]);
    await watcher.next((m) => m[0] === 'EOSE', 3000);
    const client = await RawClient.open(getRelay().url);
    const events = Array.from({ length: 30 }, (_, i) =>
      signed(dave, { kind: i % 3 === 2 ? 20001 : 1, content: `live ${i}`, created_at: now() }),
    );
    for (const ev of events) client.send(['EVENT', ev]);
    await watcher.next(() => watcher.messages.filter((m) => m[0] === 'EVENT').length === 30, 5000);
    expect(watcher.messages.filter((m) => m[0] === 'EVENT').map((m) => (m[2] as { id: string }).id)).toEqual(events.map((e) => e.id));
    client.ws.close();
    watcher.ws.close();
  });
}

onBothStores('one connection, many EVENTs in flight', pipelinedCases);
