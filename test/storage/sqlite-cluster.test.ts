/**
 * The SQLite store of a cluster worker (`[server] workers`): event writes through the primary's one
 * writer (PrimaryWrites), reads on the worker's reader threads, and the other workers' commits through
 * watchRemote. The processes are stood in for by an in-process channel that clones every message as
 * IPC does (structured clone, delivered on a later turn); the cluster e2e (test/deploy/cluster.test.ts)
 * runs the real processes.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NostrEvent } from '../../src/nostr/event.js';
import { FEED_CHANNEL, TURN_CHANNEL, WRITE_CHANNEL, type IpcPort, type PrimaryPort } from '../../src/storage/sqlite/cluster-protocol.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import { PrimaryWrites } from '../../src/storage/sqlite/primary-writes.js';
import type { Storage } from '../../src/storage/types.js';
import { eventually, identity, signed } from '../helpers.js';
import { eventStoreContract } from './event-store-contract.js';
import { kvContract } from './kv-contract.js';

/** One end of a channel: what it sends is cloned and emitted as 'message' on the other end, a turn later. */
class Port extends EventEmitter implements IpcPort {
  peer!: Port;
  connected = true;
  /** As Node's channels past their high-water mark: send() says false, and the message is delivered all the same. */
  backlogged = false;
  send(message: unknown): boolean {
    if (!this.connected) throw new Error('channel closed');
    const copy = structuredClone(message);
    setImmediate(() => this.peer.emit('message', copy));
    return !this.backlogged;
  }
  isConnected(): boolean {
    return this.connected;
  }
  /** The other end went away (the primary exited). */
  disconnect(): void {
    this.connected = false;
    this.peer.connected = false;
    this.emit('disconnect');
  }
}

function channel(): { worker: Port & PrimaryPort; primary: Port } {
  const worker = new Port();
  const primary = new Port();
  worker.peer = primary;
  primary.peer = worker;
  return { worker, primary };
}

const dir = mkdtempSync(join(tmpdir(), 'mls-relay-sqlite-cluster-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Cluster = { primary: PrimaryWrites; workers: Storage[]; ports: ReturnType<typeof channel>[]; close(): Promise<void> };

/**
 * A primary and `n` worker stores on a fresh file (no checkpoint worker: a second to start under tsx;
 * tested on its own). `writerThread`: the primary commits on a writer thread instead of its connection.
 */
async function openCluster(n: number, writerThread = false): Promise<Cluster> {
  const path = join(dir, `db-${++files}`, 'relay.db');
  const primary = await PrimaryWrites.open({ path, checkpointWorker: false, writerThread });
  const ports = Array.from({ length: n }, () => channel());
  const detach = ports.map((p) => primary.attach(p.primary));
  const workers = await Promise.all(ports.map((p) => openSqliteStorage({ path, primary: p.worker, readers: 1 })));
  return {
    primary,
    workers,
    ports,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const d of detach) d();
      await primary.close();
    },
  };
}

eventStoreContract('sqlite cluster worker (writes committed by the primary)', async () => {
  const cluster = await openCluster(1);
  return { ...cluster.workers[0]!, close: () => cluster.close() };
});

kvContract('sqlite cluster worker (kv commits in the primary\'s turns)', async () => {
  const cluster = await openCluster(1);
  return { ...cluster.workers[0]!, close: () => cluster.close() };
});

describe.each([
  ['on its connection', false],
  ['on a writer thread', true],
])('a cluster of SQLite workers, the primary committing %s', (_, writerThread) => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('hands what one worker committed to the other workers, not back to it, and only the stored items', async () => {
    cluster = await openCluster(3, writerThread);
    const [a, b, c] = cluster.workers as [Storage, Storage, Storage];
    const heard: NostrEvent[][] = [[], [], []];
    const stops = [a, b, c].map((w, i) => w.watchRemote!((ev) => heard[i]!.push(ev)));
    const alice = identity();
    const first = signed(alice, { content: 'one' });
    expect((await a.events.saveBatch([{ event: first }])).map((r) => r.status)).toEqual(['saved']);
    const second = signed(alice, { content: 'two' });
    // A duplicate in the same batch is not stored again, so it is not announced again.
    expect((await b.events.saveBatch([{ event: second }, { event: first }])).map((r) => r.status)).toEqual(['saved', 'duplicate']);
    await eventually(() => heard[2]!.length === 2, { what: 'both commits at the third worker' });
    expect(heard[0]!.map((e) => e.id)).toEqual([second.id]);
    expect(heard[1]!.map((e) => e.id)).toEqual([first.id]);
    expect(heard[2]!.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(heard[2]![0]).toEqual({ ...first });
    for (const stop of stops) stop();
    // Every worker reads both from the one file.
    for (const w of [a, b, c]) expect((await w.events.query([{ authors: [alice.pk] }])).map((e) => e.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('acknowledges writes sent while the channel reports a backlog (send() false, the message still delivered)', async () => {
    cluster = await openCluster(2, writerThread);
    const [a, b] = cluster.workers as [Storage, Storage];
    for (const end of [cluster.ports[0]!.worker, cluster.ports[0]!.primary, cluster.ports[1]!.primary]) end.backlogged = true;
    const heard: NostrEvent[] = [];
    b.watchRemote!((ev) => heard.push(ev));
    const ev = signed(identity());
    expect((await a.events.saveBatch([{ event: ev }])).map((r) => r.status)).toEqual(['saved']);
    await a.kv.put('c', 'k', 1);
    expect(await b.kv.get('c', 'k')).toBe(1);
    await eventually(() => heard.length === 1, { what: 'the commit at the other worker' });
    expect(heard[0]!.id).toBe(ev.id);
  });

  it('decodes nothing for a worker that says no one there could receive it', async () => {
    cluster = await openCluster(2, writerThread);
    const [a, b] = cluster.workers as [Storage, Storage];
    const heard: NostrEvent[] = [];
    let wanted = false;
    b.watchRemote!((ev) => heard.push(ev), { isWanted: () => wanted });
    let feeds = 0;
    cluster.ports[1]!.worker.on('message', (m: { ch?: string }) => void (m?.ch === FEED_CHANNEL && feeds++));
    const alice = identity();
    await a.events.saveBatch([{ event: signed(alice) }]);
    await eventually(() => feeds === 1, { what: 'the first commit at the second worker' });
    wanted = true;
    const later = signed(alice);
    await a.events.saveBatch([{ event: later }]);
    await eventually(() => heard.length === 1, { what: 'the second commit' });
    await new Promise((r) => setTimeout(r, 50));
    expect(heard.map((e) => e.id)).toEqual([later.id]);
  });

  it("commits a worker's kv writes in turns the primary grants, one turn per group commit", async () => {
    cluster = await openCluster(2, writerThread);
    const [a, b] = cluster.workers as [Storage, Storage];
    const turns: string[] = [];
    cluster.ports[1]!.primary.on('message', (m: { ch?: string; op?: string }) => void (m?.ch === TURN_CHANNEL && turns.push(m.op!)));
    const ev = signed(identity());
    const [saved, , value] = await Promise.all([
      a.events.saveBatch([{ event: ev }]),
      b.kv.put('test', 'k', { n: 1 }),
      b.kv.update<{ n: number }>('test', 'k', (cur) => ({ n: (cur?.n ?? 0) + 1 })),
    ]);
    expect(saved.map((r) => r.status)).toEqual(['saved']);
    expect(value).toEqual({ n: 2 });
    await eventually(() => turns.length === 2, { what: 'the turn given back' });
    expect(turns).toEqual(['take', 'give']); // put and update share one group commit, so one turn
    expect(await a.kv.get('test', 'k')).toEqual({ n: 2 });
  });

  it('answers malformed requests with failed, ignores junk, and keeps serving', async () => {
    cluster = await openCluster(1, writerThread);
    const port = cluster.ports[0]!.worker;
    const replies: unknown[] = [];
    port.on('message', (m) => replies.push(m));
    port.send({ ch: WRITE_CHANNEL, req: { id: 9001, type: 'save', batch: 'not bytes', deletions: [], rules: [] } });
    port.send({ ch: WRITE_CHANNEL, req: { id: 9002, type: 'save', batch: new TextEncoder().encode('{not json'), deletions: [], rules: [] } });
    port.send({ ch: WRITE_CHANNEL, req: { id: 9003, type: 'drop-table' } });
    port.send({ ch: WRITE_CHANNEL, req: { id: 'x', type: 'remove', ids: [] } });
    port.send({ ch: FEED_CHANNEL, batch: 42 });
    port.send(null);
    port.send('stop');
    await eventually(() => replies.length >= 3, { what: 'three answers' });
    await new Promise((r) => setTimeout(r, 50));
    const answers = replies as { ch: string; reply: { id: number; type: string } }[];
    expect(answers.map((m) => [m.reply.id, m.reply.type]).sort()).toEqual([
      [9001, 'failed'],
      [9002, 'failed'],
      [9003, 'failed'],
    ]);
    const ev = signed(identity());
    expect((await cluster.workers[0]!.events.saveBatch([{ event: ev }])).map((r) => r.status)).toEqual(['saved']);
  });

  it('fails the writes in flight, acknowledging none, when the primary goes away', async () => {
    cluster = await openCluster(1, writerThread);
    const { worker, primary } = cluster.ports[0]!;
    // The request reaches the primary's end and is never answered, as when the primary dies before the commit.
    let arrived = false;
    primary.removeAllListeners('message');
    primary.on('message', () => (arrived = true));
    const pending = cluster.workers[0]!.events.saveBatch([{ event: signed(identity()) }]);
    await eventually(() => arrived, { what: 'the request at the primary' });
    worker.disconnect();
    const [result] = await pending;
    expect(result?.status).toBe('error');
  });
});
