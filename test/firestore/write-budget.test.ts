import { readFileSync } from 'node:fs';
import { setLogFunction } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentPattern, parseDriverLogLine, type LoggedRpc } from '../../bench/lib/write-log.js';
import type { NostrEvent } from '../../src/nostr/event.js';
import { RawClient, startTestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { keyPackageEvent30443 } from '../mls/marmot-events.js';
import { makeKeyPackage, mlsIdentity } from '../mls/mls-client.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';
import { readWriteBudget, type BudgetRow } from './write-budget-table.js';

// Issue 18: every document an accepted event writes, derived from the Firestore driver's own request log
// (one line per RPC, naming the documents of each commit), compared with the write-budget table in the README.
const budget = readWriteBudget(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

let log: LoggedRpc[] = [];
const randomContent = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64');
const GROUP = 'e'.repeat(64);
const groupMessage = (group = GROUP): NostrEvent => signed(identity(), { kind: 445, tags: [['h', group]], content: randomContent() });

/** Runs `publish` against a fresh relay and returns the RPCs it caused, shutdown (and its flush) included. */
async function measure(project: string, publish: (c: RawClient) => Promise<void>): Promise<LoggedRpc[]> {
  const overrides = { storage: { backend: 'firestore', firestore: { project_id: project } } };
  const relay = await startTestRelay({ overrides });
  const client = await RawClient.open(relay.url);
  log = [];
  await publish(client);
  client.close();
  await relay.stop();
  const out = log;
  log = [];
  return out;
}

/** Publishes and waits for the OK (patiently: the emulator shares a loaded machine). */
const publish = (client: RawClient, ev: NostrEvent): Promise<unknown[]> => client.request(['EVENT', ev], (m) => m[0] === 'OK' && m[1] === ev.id, 30_000);

async function publishAll(client: RawClient, events: NostrEvent[]): Promise<void> {
  for (const ev of events) {
    const ok = await publish(client, ev);
    expect(ok[2], String(ok[3])).toBe(true);
  }
}

/** RPCs that follow the clock, not the events: the listeners' streams and the access-control version poll. */
const isPeriodic = (rpc: LoggedRpc): boolean => rpc.type === 'listen' || (rpc.type === 'batchGet' && (rpc.reads ?? []).every((d) => d.startsWith('kv/access_meta/')));

/** Writes per accepted event by document pattern, and RPCs per event. */
function perEvent(rpcs: LoggedRpc[], n: number): { writes: Map<string, number>; rpcs: number } {
  const writes = new Map<string, number>();
  for (const rpc of rpcs) for (const path of rpc.writes) writes.set(documentPattern(path), (writes.get(documentPattern(path)) ?? 0) + 1 / n);
  return { writes, rpcs: rpcs.filter((r) => !isPeriodic(r)).length / n };
}

function rowsFor(kind: number): BudgetRow[] {
  return budget.rows.filter((r) => r.kinds === 'all' || r.kinds.includes(kind));
}

describe.skipIf(!emulatorHost)('issue 18: the write budget of the Firestore backend', () => {
  const project = freshProjectId('budget');
  const owner = identity();

  beforeAll(() => {
    process.env.FIRESTORE_EMULATOR_HOST = emulatorHost!;
    setLogFunction((line) => {
      const rpc = parseDriverLogLine(line);
      if (rpc) log.push(rpc);
    });
  });
  afterAll(() => setLogFunction(null));

  it('reads a table that lists documents and RPCs per kind', () => {
    expect(budget.rows.length).toBeGreaterThan(5);
    expect(budget.rpcs.size).toBeGreaterThan(3);
  });

  const mixes: { kind: number; n: number; events: () => Promise<NostrEvent[]> }[] = [
    { kind: 1, n: 4, events: async () => Array.from({ length: 4 }, () => signed(identity(), { content: randomContent() })) },
    { kind: 445, n: 6, events: async () => Array.from({ length: 6 }, () => groupMessage()) },
    { kind: 1059, n: 4, events: async () => Array.from({ length: 4 }, () => signed(identity(), { kind: 1059, tags: [['p', identity().pk]], content: randomContent() })) },
    {
      kind: 30443,
      n: 2,
      events: async () =>
        Promise.all([0, 1].map(async () => {
          const who = mlsIdentity();
          return keyPackageEvent30443(who, await makeKeyPackage(who));
        })),
    },
    {
      kind: 450,
      n: 3,
      events: async () =>
        [1, 2, 3].map((seq) =>
          signed(owner, { kind: 450, content: '', tags: [['h', 'f'.repeat(64)], ['seq', String(seq)], ['op', seq === 1 ? 'bootstrap' : 'add'], ['p', identity().pk]] }),
        ),
    },
  ];

  for (const mix of mixes) {
    it(`kind ${mix.kind}: writes only the documents the table lists, no more often, within the RPCs it lists`, async () => {
      const events = await mix.events();
      const measured = perEvent(await measure(project, (c) => publishAll(c, events)), mix.n);
      const listed = rowsFor(mix.kind);
      for (const [pattern, count] of measured.writes) {
        const row = listed.find((r) => r.pattern === pattern);
        expect(row, `kind ${mix.kind} writes ${pattern}, which the README table does not list`).toBeDefined();
        if (row && row.perEvent !== 'batched') expect(count, `${pattern} per kind ${mix.kind}`).toBeLessThanOrEqual(row.perEvent);
      }
      const rpcs = budget.rpcs.get(mix.kind);
      expect(rpcs, `no RPC budget for kind ${mix.kind}`).toBeDefined();
      expect(measured.rpcs).toBeLessThanOrEqual(rpcs as number);
    }, 60_000);
  }

  it('one group at 20 messages/s writes no document more than once a second on average', async () => {
    const messages = Array.from({ length: 60 }, () => groupMessage('d'.repeat(64)));
    let seconds = 0;
    const rpcs = await measure(project, async (client) => {
      const start = performance.now();
      const oks: Promise<unknown[]>[] = [];
      for (let i = 0; i < messages.length; i++) {
        // Paced at 20/s by the schedule, not by the answers: a slow commit must not slow the offered load.
        const due = start + i * 50;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        oks.push(publish(client, messages[i]!));
      }
      const answers = await Promise.all(oks);
      expect(answers.filter((a) => a[2] !== true).map((a) => a[3])).toEqual([]);
      seconds = (performance.now() - start) / 1000;
    });
    const perDoc = new Map<string, number>();
    for (const rpc of rpcs) for (const path of rpc.writes) perDoc.set(path, (perDoc.get(path) ?? 0) + 1);
    const hot = [...perDoc].filter(([, n]) => n > Math.ceil(seconds) + 1);
    expect(hot).toEqual([]);
    // The counts all arrive, in fewer writes than messages.
    const activity = [...perDoc].filter(([path]) => path.includes('/mls_group_activity/'));
    expect(activity.length).toBeGreaterThan(0);
    expect(activity.reduce((a, [, n]) => a + n, 0)).toBeLessThan(messages.length / 5);
  }, 60_000);
});
