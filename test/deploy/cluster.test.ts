// `[server] workers = 2` as production runs it: `node --import tsx src/main.ts start`, a cluster primary
// and two worker processes sharing the port and one SQLite file. Which worker serves a connection is read
// from the relay's own log (cluster-relay.ts).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortKey } from '../../src/config/pubkeys.js';
import { RawClient } from '../harness.js';
import { eventually, identity, signed, type Identity } from '../helpers.js';
import { clientAs, nip86, publish, settle } from '../auth/e2e-support.js';
import { ClusterRelay } from './cluster-relay.js';

describe('[server] workers = 2 (a cluster on one machine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-cluster-'));
  const admin = identity();
  const members = Array.from({ length: 8 }, () => identity());
  let relay: ClusterRelay;
  /** One authenticated connection per member, and the worker serving it. */
  const conns: { who: Identity; client: RawClient; worker: number }[] = [];
  const onWorker = (w: number) => conns.filter((c) => c.worker === w);

  beforeAll(async () => {
    relay = await ClusterRelay.start({ dir }, members, admin);
    for (const who of members) {
      const client = await clientAs(relay.proc.url, who);
      conns.push({ who, client, worker: await relay.workerOf(who) });
    }
  });

  afterAll(async () => {
    for (const c of conns) c.client.close();
    await relay?.proc.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs two worker processes and hands connections to both', async () => {
    await eventually(() => relay.listeningPids().length === 2, { what: 'two listening workers' });
    expect(new Set(relay.listeningPids()).size).toBe(2);
    expect(relay.listeningPids()).not.toContain(relay.proc.pid);
    expect(onWorker(0).length).toBeGreaterThan(0);
    expect(onWorker(1).length).toBeGreaterThan(0);
  });

  it('serves the sum of both workers\' metrics on the primary\'s metrics listener', async () => {
    expect(await relay.proc.metric('nostr_relay_connections_active')).toBe(conns.length);
  });

  it('delivers an event published on one worker to a live subscriber on the other, both ways', async () => {
    for (const [from, to] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const publisher = onWorker(from)[0]!;
      const subscriber = onWorker(to)[0]!;
      const subId = `live-${from}-${to}`;
      await subscriber.client.req(subId, { kinds: [1], authors: [publisher.who.pk], limit: 0 });
      const mark = subscriber.client.messages.length;
      const ev = signed(publisher.who, { content: `across ${from}→${to}` });
      expect(await publish(publisher.client, ev)).toEqual([true, '']);
      const got = await subscriber.client.next((m) => m[0] === 'EVENT' && m[1] === subId, 5000, mark);
      expect((got[2] as { id: string }).id).toBe(ev.id);
    }
  });

  it('stores an event once, readable through either worker', async () => {
    const author = onWorker(0)[0]!;
    const ev = signed(author.who, { content: 'stored once' });
    expect(await publish(author.client, ev)).toEqual([true, '']);
    for (const w of [0, 1]) {
      const { events } = await onWorker(w)[0]!.client.req(`stored-${w}`, { ids: [ev.id] });
      expect(events.map((e) => e.id)).toEqual([ev.id]);
    }
    // A copy sent through the other worker is a duplicate of the stored event, not a second row.
    const copy = await publish(onWorker(1)[0]!.client, ev);
    expect(copy[0]).toBe(true);
    expect(copy[1]).toMatch(/^duplicate:/);
  });

  it('a NIP-86 ban made through one worker cuts the banned pubkeys on both workers within seconds', async () => {
    const victims = [onWorker(0)[1] ?? onWorker(0)[0]!, onWorker(1)[1] ?? onWorker(1)[0]!];
    for (const v of victims) await v.client.req(`watch-${v.worker}`, { kinds: [1], limit: 0 });
    const marks = victims.map((v) => v.client.messages.length);
    for (const v of victims) expect((await nip86(relay.proc.httpUrl, admin, 'banpubkey', [v.who.pk, 'drill'])).json.result).toBe(true);
    // The worker that answered the call applies it at once; the other one at its next access refresh (2 s).
    const closed = await Promise.all(victims.map((v, i) => v.client.next((m) => m[0] === 'CLOSED' && m[1] === `watch-${v.worker}`, 6000, marks[i])));
    for (const m of closed) expect(String(m[2])).toMatch(/^restricted:/);
    for (const v of victims) {
      const refused = await publish(v.client, signed(v.who, { content: 'after the ban' }));
      expect(refused[0]).toBe(false);
    }
  });

  it('a NIP-86 allowpubkey made through one worker lets the pubkey in on both workers', async () => {
    const newcomer = identity();
    expect((await nip86(relay.proc.httpUrl, admin, 'allowpubkey', [newcomer.pk])).json.result).toBe(true);
    // Give the other worker its refresh, then connect until both workers have accepted the newcomer.
    await new Promise((r) => setTimeout(r, 2500));
    const seen = new Set<number>();
    const opened: RawClient[] = [];
    try {
      for (let i = 0; i < 8 && seen.size < 2; i++) {
        const before = relay.lines.length;
        const client = await clientAs(relay.proc.url, newcomer);
        opened.push(client);
        await settle(client);
        const line = relay.lines.slice(before).find((l) => l.message === 'authenticated' && l.pubkey === shortKey(newcomer.pk));
        if (line) seen.add(line.worker!);
      }
    } finally {
      for (const c of opened) c.close();
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('forks a replacement for a worker killed with SIGKILL and keeps answering meanwhile', async () => {
    const pids = relay.listeningPids();
    const victim = pids[0]!;
    process.kill(victim, 'SIGKILL');
    // The other worker serves while the replacement starts (a connection handed to the dying one may be reset).
    await eventually(async () => (await fetch(`${relay.proc.httpUrl}/health`).catch(() => undefined))?.status === 200, {
      what: 'a healthy answer from the surviving worker',
    });
    expect(relay.listeningPids()).toHaveLength(2);
    await eventually(() => relay.lines.some((l) => l.message === 'cluster worker died; forking a replacement' && l.pid === victim), {
      what: 'the primary noticing the death',
    });
    await eventually(() => relay.listeningPids().length === 3, { timeoutMs: 30_000, what: 'a replacement worker listening' });
    const replacement = relay.listeningPids()[2]!;
    expect(replacement).not.toBe(victim);
    expect(() => process.kill(replacement, 0)).not.toThrow();
    // A new connection publishes and reads back through the cluster as before.
    const who = members.at(-1)!;
    const client = await clientAs(relay.proc.url, who);
    try {
      const ev = signed(who, { content: 'after the replacement' });
      expect(await publish(client, ev)).toEqual([true, '']);
      expect((await client.req('back', { ids: [ev.id] })).events.map((e) => e.id)).toEqual([ev.id]);
    } finally {
      client.close();
    }
  });
});

describe('[server] workers = 2: SIGTERM on the primary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-cluster-term-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with every acknowledged event in the database', async () => {
    const writers = Array.from({ length: 6 }, () => identity());
    const relay = await ClusterRelay.start({ dir }, writers, identity());
    const acknowledged: string[] = [];
    let exitCode: number | null;
    try {
      const clients = await Promise.all(writers.map((w) => clientAs(relay.proc.url, w)));
      let stop = false;
      const load = clients.map(async (client, i) => {
        const who = writers[i]!;
        while (!stop) {
          const ev = signed(who, { content: `load ${acknowledged.length}` });
          let ok: [boolean, string];
          try {
            ok = await publish(client, ev);
          } catch {
            return; // the socket closed during shutdown: that event was never acknowledged
          }
          if (ok[0]) acknowledged.push(ev.id);
        }
      });
      await eventually(() => acknowledged.length >= 200, { timeoutMs: 20_000, what: '200 acknowledged events' });
      const workersUsed = new Set(await Promise.all(writers.map((w) => relay.workerOf(w))));
      expect(workersUsed.size).toBe(2);
      exitCode = await relay.proc.stop('SIGTERM');
      stop = true;
      await Promise.all(load);
    } finally {
      await relay.proc.stop('SIGKILL'); // a failed assertion must not leave the cluster running
    }
    expect(exitCode).toBe(0);
    const db = new Database(join(dir, 'relay.db'), { readonly: true });
    try {
      const stored = new Set((db.prepare('SELECT id FROM events').pluck().all() as string[]));
      const missing = acknowledged.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
  });
});
