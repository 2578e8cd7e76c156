import { Firestore, Timestamp } from '@google-cloud/firestore';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../src/nostr/event.js';
import { RelayError } from '../../src/nostr/reasons.js';
import { FirestoreEventStore } from '../../src/storage/firestore/event-store.js';
import { openFirestoreStorage } from '../../src/storage/firestore/open.js';
import { watchStoredEvents } from '../../src/storage/firestore/watch.js';
import type { Storage } from '../../src/storage/types.js';
import { eventually, identity, now, signed } from '../helpers.js';
import { eventStoreContract } from './event-store-contract.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from './firestore-env.js';
import { kvContract } from './kv-contract.js';

/** The value `read` returns once it is defined (a listener's delivery), within `ms`. */
async function waitFor<T>(read: () => T | undefined, what: string, ms = 15_000): Promise<T> {
  let value: T | undefined;
  await eventually(() => (value = read()) !== undefined, { timeoutMs: ms, what });
  return value as T;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

// Every contract test gets an empty project of its own on the shared emulator.
describe.skipIf(!emulatorHost)('Firestore backend', () => {
  eventStoreContract('firestore', () => openEmulatorStorage(freshProjectId('events')));
  kvContract('firestore', () => openEmulatorStorage(freshProjectId('kv')));
});

describe.skipIf(!emulatorHost)('Firestore backend specifics', () => {
  const projectId = freshProjectId('fs');
  let storage: Storage;
  let raw: Firestore;

  beforeAll(async () => {
    storage = await openEmulatorStorage(projectId, { instanceId: 'a' });
    raw = new Firestore({ projectId, host: emulatorHost as string, ssl: false });
  });
  afterAll(async () => {
    await storage?.close();
    await raw?.terminate();
  });

  it('round-trips tags that Firestore could not store as nested arrays', async () => {
    const who = identity();
    const tags = [
      ['p', who.pk, 'wss://relay.example', 'role'],
      ['e', 'x'.repeat(64)],
      ['h', 'group-1'],
      ['t', ''],
      ['alt', 'multi-letter names are kept but not indexed'],
      ['d', 'slot/1 with ünïcödé'],
      ['single'],
    ];
    const ev = signed(who, { kind: 1, tags });
    expect(await storage.events.saveBatch([{ event: ev }])).toEqual([{ status: 'saved' }]);
    const [back] = await storage.events.query([{ ids: [ev.id] }]);
    expect(back).toEqual(ev);
    expect(await storage.events.query([{ tags: { h: ['group-1'], p: [who.pk] } }])).toEqual([ev]);
    expect(await storage.events.query([{ tags: { h: ['group-1'], t: ['other'] } }])).toEqual([]);
    expect(await storage.events.query([{ tags: { d: ['slot/1 with ünïcödé'] } }])).toEqual([ev]);
    const doc = (await raw.collection('events').doc(ev.id).get()).data();
    expect(doc?.tag_keys).toEqual(expect.arrayContaining([`p:${who.pk}`, 'h:group-1', 't:', 'd:slot/1 with ünïcödé']));
    expect(doc?.tag_keys).not.toContain('alt:multi-letter names are kept but not indexed');
  });

  it('sets expires_at for the TTL policies (events and KV entries)', async () => {
    const exp = now() + 3600;
    const ev = signed(identity(), { tags: [['expiration', String(exp)]] });
    await storage.events.saveBatch([{ event: ev }]);
    const doc = (await raw.collection('events').doc(ev.id).get()).data();
    expect(doc?.expires_at).toBeInstanceOf(Timestamp);
    expect((doc?.expires_at as Timestamp).toMillis()).toBe(exp * 1000);
    const plain = signed(identity());
    await storage.events.saveBatch([{ event: plain }]);
    expect((await raw.collection('events').doc(plain.id).get()).get('expires_at')).toBeUndefined();

    await storage.kv.put('claims', 'k/1', { n: 1 }, { expiresAt: exp });
    const entries = await raw.collection('kv').doc('claims').collection('entries').get();
    expect(entries.docs.map((d) => (d.get('expires_at') as Timestamp).toMillis())).toEqual([exp * 1000]);
  });

  it('pages past documents the in-memory filter rejects', async () => {
    const who = identity();
    const t = now() - 1000;
    const target = signed(who, { kind: 7, created_at: t });
    const noise = Array.from({ length: 45 }, (_, i) => ({ event: signed(who, { kind: 1, created_at: t + 1 + i }) }));
    await storage.events.saveBatch([{ event: target }, ...noise]);
    expect(await storage.events.query([{ authors: [who.pk], kinds: [7], limit: 1 }])).toEqual([target]);
    expect(await storage.events.count([{ authors: [who.pk] }])).toBe(46);
  });

  it('fails only the item Firestore cannot store, before asking it or when it refuses the commit', async () => {
    const who = identity();
    const huge = signed(who, { content: 'x'.repeat(1_100_000) });
    const good = [signed(who), signed(who), signed(who), signed(who)];
    const pre = await storage.events.saveBatch([{ event: good[0]! }, { event: huge }, { event: good[1]! }]);
    expect(pre.map((r) => r.status)).toEqual(['saved', 'error', 'saved']);
    expect(pre[1]?.status === 'error' && pre[1].error.message).toBe('storage rejected the write');
    // With the size check out of the way, the emulator refuses the whole commit; the items are retried alone.
    const lax = new FirestoreEventStore({ events: raw.collection('events'), coords: raw.collection('coords') }, { maxDocBytes: 4_000_000 });
    const refused = await lax.saveBatch([{ event: good[2]! }, { event: huge }, { event: good[3]! }]);
    expect(refused.map((r) => r.status)).toEqual(['saved', 'error', 'saved']);
    expect(await storage.events.has(huge.id)).toBe(false);
    expect(await storage.events.count([{ ids: good.map((e) => e.id) }])).toBe(4);
  });

  it('keeps a tag value too long to filter by in raw but out of the index', async () => {
    const long = 'v'.repeat(5000);
    const ev = signed(identity(), { tags: [['t', long], ['t', 'short']] });
    await storage.events.saveBatch([{ event: ev }]);
    expect(await storage.events.query([{ ids: [ev.id] }])).toEqual([ev]);
    expect((await raw.collection('events').doc(ev.id).get()).get('tag_keys')).toEqual(['t:short']);
  });

  it('splits more than 30 authors over several queries', async () => {
    const people = Array.from({ length: 35 }, () => identity());
    const events = people.map((p) => signed(p, { kind: 1 }));
    await storage.events.saveBatch(events.map((event) => ({ event })));
    const found = await storage.events.query([{ authors: people.map((p) => p.pk) }]);
    expect(new Set(found.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
  });

  it('delivers events stored through another instance to watchRemote, but not its own', async () => {
    const other = await openEmulatorStorage(projectId, { instanceId: 'b' });
    const seen: NostrEvent[] = [];
    const stop = storage.watchRemote?.((ev) => seen.push(ev));
    expect(stop).toBeTypeOf('function');
    try {
      const own = signed(identity(), { content: 'mine' });
      await storage.events.saveBatch([{ event: own }]);
      const remote = signed(identity(), { content: 'from b' });
      expect(await other.events.saveBatch([{ event: remote }])).toEqual([{ status: 'saved' }]);
      await waitFor(() => seen.find((e) => e.id === remote.id), 'the remote event');
      expect(seen.find((e) => e.id === remote.id)).toEqual(remote);
      expect(seen.some((e) => e.id === own.id)).toBe(false);
    } finally {
      stop?.();
      await other.close();
    }
  });

  it('delivers each event once while the listener is replaced', async () => {
    const other = await openEmulatorStorage(projectId, { instanceId: 'c' });
    const seen: string[] = [];
    const stop = watchStoredEvents(raw.collection('events'), (ev) => seen.push(ev.id), { instance: 'none', rotateMs: 400, rotateDocs: 3 });
    try {
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) {
        const ev = signed(identity(), { content: `burst ${i}` });
        sent.push(ev.id);
        await other.events.saveBatch([{ event: ev }]);
        // Paced by the listener, not the clock: each save follows the delivery of the one before, so
        // saves land right after every third delivery, while the listener is being replaced.
        await waitFor(() => (seen.includes(ev.id) ? true : undefined), `delivery of burst ${i}`);
      }
      await waitFor(() => (sent.every((id) => seen.includes(id)) ? true : undefined), 'every event');
      const mine = seen.filter((id) => sent.includes(id));
      expect(mine.length).toBe(sent.length);
      expect(new Set(mine).size).toBe(sent.length);
    } finally {
      stop();
      await other.close();
    }
  });

  it('maps an unreachable Firestore to error results and RelayErrors without driver text', async () => {
    const port = await deadPort();
    const db = new Firestore({ projectId: 'unreachable', host: `127.0.0.1:${port}`, ssl: false });
    const store = new FirestoreEventStore({ events: db.collection('events'), coords: db.collection('coords') }, { timeoutMs: 2_000 });
    // The client is not terminated: the driver keeps retrying the abandoned calls, and terminating
    // under them raises an unhandled rejection inside the driver (see src/storage/firestore/in-flight.ts).
    const ev = signed(identity());
    const [result] = await store.saveBatch([{ event: ev }]);
    expect(result?.status).toBe('error');
    const error = result && 'error' in result ? result.error : undefined;
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).prefix).toBe('error');
    expect(error?.message).toBe('storage unavailable');
    expect(error?.message).not.toContain(String(port));
    await expect(store.query([{ kinds: [1] }])).rejects.toMatchObject({ prefix: 'error', message: 'storage unavailable' });
    await expect(store.health()).rejects.toBeInstanceOf(RelayError);
    await expect(
      openFirestoreStorage({ projectId: 'unreachable', databaseId: '(default)', collectionPrefix: '', emulatorHost: `127.0.0.1:${port}`, timeoutMs: 2_000 }),
    ).rejects.toMatchObject({ prefix: 'error' });
  });
});
