// Benchmark `firestore-scale` (issue 18): 4 relay processes on one Firestore emulator project, a mix of kind 445
// traffic over 1 busy group (20 msg/s) and 200 quiet ones, gift wraps and KeyPackages. Reports the write rate of
// the most written documents (Firestore sustains ~1 write/s per document), RPCs per accepted event, the delay
// from a commit on one instance to delivery on another, and the errors. Write and RPC counts do not depend on
// CPU; the delays do (this machine is shared).
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPackageEvent30443 } from '../test/mls/marmot-events.js';
import { makeKeyPackage, mlsIdentity } from '../test/mls/mls-client.js';
import { stopEmulator } from '../test/setup/firestore-emulator.js';
import type { NostrEvent } from '../src/nostr/event.js';
import { emulator } from './firestore.js';
import { BenchClient, type OkReply } from './lib/client.js';
import { b64, groupId } from './lib/events.js';
import { procCpuSeconds } from './lib/cpu.js';
import { startRelayProcess, type RelayProcess } from './lib/relay-process.js';
import { benchIdentity, signEvent, type BenchIdentity } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';
import type { RecordedRpc } from './lib/write-counter.js';
import { writeStats } from './lib/write-stats.js';

const INSTANCES = 4;
const BUSY_PER_S = 20;
const QUIET_GROUPS = 200;
const QUIET_PER_S = 10;
const WRAPS_PER_S = 5;
const KEYPACKAGES_PER_S = 1;
// Clients each have their own connection, and a connection is handled in order: enough of them that ordering is not the bound.
const PUBLISHERS_PER_INSTANCE = 16;
const RECIPIENTS = 50;
const BUSY = groupId(0xb05);

/** A busy-group message: when and where it was sent, and how long its OK took. */
type Sent = { at: number; from: number; okMs?: number };
type Outcome = { sent: number; accepted: number; errors: number; rejected: Map<string, number> };
/** How long the answers of the last events are awaited after the traffic ends. */
const OK_WAIT_MS = 120_000;
type Relay = { proc: RelayProcess; logFile: string; publishers: BenchClient[]; reader: BenchClient };

const ephemeral: BenchIdentity[] = Array.from({ length: 64 }, (_, i) => benchIdentity(`scale-ephemeral-${i}`));
const senders = Array.from({ length: INSTANCES * PUBLISHERS_PER_INSTANCE }, (_, i) => benchIdentity(`scale-sender-${i}`));
const recipients = Array.from({ length: RECIPIENTS }, (_, i) => benchIdentity(`scale-recipient-${i}`));
const now = (): number => Math.floor(Date.now() / 1000);

function groupMessage(i: number, group: string): NostrEvent {
  return signEvent(ephemeral[i % ephemeral.length]!, { kind: 445, created_at: now(), tags: [['h', group]], content: b64(1024) });
}

function giftWrap(i: number): NostrEvent {
  const p = recipients[i % RECIPIENTS]!.pubkey;
  return signEvent(ephemeral[(i * 7) % ephemeral.length]!, { kind: 1059, created_at: now(), tags: [['p', p]], content: b64(4096) });
}

async function keyPackages(n: number): Promise<NostrEvent[]> {
  const out: NostrEvent[] = [];
  for (let i = 0; i < n; i++) {
    const who = mlsIdentity();
    out.push(keyPackageEvent30443(who, await makeKeyPackage(who)) as NostrEvent);
  }
  return out;
}

/** Starts the instances one after another (booting four at once on a loaded machine outlasts the health wait). */
async function startRelays(host: string, project: string, relays: Relay[]): Promise<void> {
  const config = {
    storage: { backend: 'firestore', firestore: { project_id: project } },
    auth: { required: true, allowlist: [...senders, ...recipients].map((s) => s.pubkey) },
  };
  for (let i = 0; i < INSTANCES; i++) {
    const logFile = join(tmpdir(), `mls-relay-scale-${process.pid}-${i}.jsonl`);
    const start = (): Promise<RelayProcess> =>
      startRelayProcess({
        config,
        env: { FIRESTORE_EMULATOR_HOST: host, BENCH_WRITE_LOG_FILE: logFile, METADATA_SERVER_DETECTION: 'none' },
        preload: ['bench/lib/write-counter.ts'],
      });
    // On a loaded machine the emulator can miss a booting relay's 10 s health deadline: try again once.
    const proc = await start().catch((err: Error) => {
      process.stderr.write(`relay ${i} failed to boot (${err.message.split('\n')[0]}); retrying\n`);
      return start();
    });
    const relay: Relay = { proc, logFile, publishers: [], reader: await BenchClient.openAs(proc.url, recipients[i]!) };
    relays.push(relay);
    for (const s of senders.slice(i * PUBLISHERS_PER_INSTANCE, (i + 1) * PUBLISHERS_PER_INSTANCE)) relay.publishers.push(await BenchClient.openAs(proc.url, s));
  }
}

/** Publishes the mix for `seconds`, spreading events over the instances; resolves when every OK arrived. */
async function drive(relays: Relay[], seconds: number, kps: NostrEvent[], outcome: Outcome, busy: Map<string, Sent>): Promise<void> {
  const pending: Promise<void>[] = [];
  let n = 0;
  const send = (ev: NostrEvent, track: boolean): void => {
    const from = n % INSTANCES;
    const relay = relays[from]!;
    const client = relay.publishers[Math.floor(n / INSTANCES) % PUBLISHERS_PER_INSTANCE]!;
    n++;
    outcome.sent++;
    const sent: Sent = { at: performance.now(), from };
    if (track) busy.set(ev.id, sent);
    pending.push(
      client.publish(ev).then((r: OkReply) => {
        if (r.ok) sent.okMs = performance.now() - sent.at;
        if (r.ok) outcome.accepted++;
        else if (r.message.startsWith('error:')) outcome.errors++;
        else outcome.rejected.set(r.message.split(':')[0]!, (outcome.rejected.get(r.message.split(':')[0]!) ?? 0) + 1);
      }),
    );
  };
  const sent = { busy: 0, quiet: 0, wraps: 0, kps: 0 };
  const start = performance.now();
  for (;;) {
    const elapsed = (performance.now() - start) / 1000;
    if (elapsed >= seconds) break;
    while (sent.busy < elapsed * BUSY_PER_S) send(groupMessage(sent.busy++, BUSY), true);
    while (sent.quiet < elapsed * QUIET_PER_S) send(groupMessage(sent.quiet, groupId(sent.quiet++ % QUIET_GROUPS)), false);
    while (sent.wraps < elapsed * WRAPS_PER_S) send(giftWrap(sent.wraps++), false);
    while (sent.kps < elapsed * KEYPACKAGES_PER_S && sent.kps < kps.length) send(kps[sent.kps++]!, false);
    await new Promise((r) => setTimeout(r, 10));
  }
  // A relay drowning in contention may answer late or never: wait a bounded time, count the rest as unanswered.
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, OK_WAIT_MS))]);
}

function readLog(file: string): RecordedRpc[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RecordedRpc);
  } finally {
    rmSync(file, { force: true });
  }
}

const PROBES = 20;

/**
 * The feed delay alone, before the load: one busy-group message at a time, each on the next instance, and the
 * time from its OK on A (the commit) to its EVENT on every other instance's subscriber. Deliveries that overtake
 * the OK count as 0.
 */
async function probeFeed(relays: Relay[]): Promise<number[]> {
  const delays: number[] = [];
  const okAt = new Map<string, { t: number; from: number }>();
  const early: { id: string; at: number; on: number }[] = [];
  relays.forEach((relay, on) => {
    relay.reader.onEvent = (_sub, ev, at) => {
      const ok = okAt.get(ev.id);
      if (!ok) early.push({ id: ev.id, at, on });
      else if (ok.from !== on) delays.push(at - ok.t);
    };
  });
  for (let i = 0; i < PROBES; i++) {
    const from = i % INSTANCES;
    const ev = groupMessage(i, BUSY);
    const reply = await relays[from]!.publishers[0]!.publish(ev);
    if (reply.ok) okAt.set(ev.id, { t: performance.now(), from });
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 3000));
  for (const e of early) {
    const ok = okAt.get(e.id);
    if (ok && ok.from !== e.on) delays.push(0);
  }
  return delays;
}

/** `npm run bench -- firestore-scale [seconds]`: the mix for `seconds` (default 30) over 4 instances. */
export async function runFirestoreScale(seconds: number): Promise<Row[]> {
  const kps = await keyPackages(Math.ceil(seconds * KEYPACKAGES_PER_S));
  const { host, child } = await emulator();
  const relays: Relay[] = [];
  const outcome: Outcome = { sent: 0, accepted: 0, errors: 0, rejected: new Map() };
  const busy = new Map<string, Sent>();
  const delays: number[] = [];
  try {
    await startRelays(host, `bench-scale-${Date.now()}`, relays);
    await Promise.all(relays.map((r) => r.reader.req('busy', { kinds: [445], '#h': [BUSY], since: now() })));
    const probed = await probeFeed(relays);
    relays.forEach((relay, on) => {
      relay.reader.onEvent = (_sub, ev, at) => {
        const sent = busy.get(ev.id);
        if (sent && sent.from !== on) delays.push(at - sent.at);
      };
    });
    const fromMs = Date.now();
    const cpuBefore = { relays: relays.reduce((a, r) => a + r.proc.cpuSeconds(), 0), emulator: child?.pid ? procCpuSeconds(child.pid) : 0 };
    await drive(relays, seconds, kps, outcome, busy);
    const cpu = {
      relays: relays.reduce((a, r) => a + r.proc.cpuSeconds(), 0) - cpuBefore.relays,
      emulator: (child?.pid ? procCpuSeconds(child.pid) : 0) - cpuBefore.emulator,
    };
    // Rates are per second of the traffic and its answers (longer than `seconds` when answers lag).
    const spanSeconds = Math.max(seconds, (Date.now() - fromMs) / 1000);
    await new Promise((r) => setTimeout(r, 3000)); // let the feed deliver the last ones
    for (const r of relays) for (const c of [...r.publishers, r.reader]) c.close();
    await Promise.all(relays.map((r) => r.proc.stop()));
    const toMs = Date.now();
    const stats = writeStats(relays.flatMap((r) => readLog(r.logFile)), fromMs, toMs, spanSeconds);
    const okMs = [...busy.values()].flatMap((b) => (b.okMs === undefined ? [] : [b.okMs]));
    const expectedDeliveries = okMs.length * (INSTANCES - 1);
    const hot = stats.hottest.slice(0, 5).map((d) => `${d.pattern} ${d.perSecond.toFixed(2)}/s (peak ${d.peakPerSecond}/s)`);
    const rejected = [...outcome.rejected].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
    return [
      { bench: 'firestore-scale', what: `${INSTANCES} instances, ${seconds} s of traffic (answered within ${spanSeconds.toFixed(0)} s): busy group ${BUSY_PER_S}/s, ${QUIET_GROUPS} quiet groups ${QUIET_PER_S}/s, wraps ${WRAPS_PER_S}/s, KeyPackages ${KEYPACKAGES_PER_S}/s`, result: `${int(outcome.accepted)} of ${int(outcome.sent)} accepted` },
      { bench: 'firestore-scale', what: `answers \`error:\` / other refusals / no answer within ${OK_WAIT_MS / 1000} s of the end`, result: `${outcome.errors} / ${rejected} / ${outcome.sent - outcome.accepted - outcome.errors - [...outcome.rejected.values()].reduce((a, b) => a + b, 0)}`, target: '0' },
      { bench: 'firestore-scale', what: 'most written document: average writes/s over the run (peak in any 1 s)', result: stats.hottest[0] ? `${stats.hottest[0].perSecond.toFixed(2)} (${stats.hottest[0].peakPerSecond})` : '≤ 1 write each', target: '≤ 1' },
      { bench: 'firestore-scale', what: 'hottest documents (pattern, average, peak)', result: hot.join('; ') || 'none written twice' },
      { bench: 'firestore-scale', what: 'documents written more than 1/s on average', result: String(stats.hottest.filter((d) => d.perSecond > 1).length), target: '0' },
      { bench: 'firestore-scale', what: 'Firestore RPCs per accepted event (all instances, traffic and shutdown)', result: (stats.rpcs / Math.max(1, outcome.accepted)).toFixed(2) },
      { bench: 'firestore-scale', what: 'RPCs by type', result: Object.entries(stats.rpcsByType).map(([k, v]) => `${k} ${v}`).join(', ') },
      { bench: 'firestore-scale', what: 'document writes per accepted event', result: (stats.writes / Math.max(1, outcome.accepted)).toFixed(2) },
      { bench: 'firestore-scale', what: 'CPU seconds used meanwhile by the 4 relays / the emulator (2 cores shared with other work)', result: `${cpu.relays.toFixed(0)} / ${cpu.emulator.toFixed(0)} in ${spanSeconds.toFixed(0)} s` },
      { bench: 'firestore-scale', what: `feed delay alone (before the load, ${PROBES} messages one at a time): OK on A to EVENT on B, p50 / p99 (CPU-sensitive; ${probed.length} of ${PROBES * (INSTANCES - 1)} deliveries)`, result: `${ms(quantile(probed, 0.5))} / ${ms(quantile(probed, 0.99))} ms` },
      { bench: 'firestore-scale', what: 'busy-group publish: EVENT sent to OK on A, p50 / p99 (CPU-sensitive)', result: `${ms(quantile(okMs, 0.5))} / ${ms(quantile(okMs, 0.99))} ms` },
      { bench: 'firestore-scale', what: `busy-group cross-instance delivery: EVENT sent on A to EVENT on B, p50 / p99 (CPU-sensitive; ${delays.length} of ${expectedDeliveries} deliveries)`, result: `${ms(quantile(delays, 0.5))} / ${ms(quantile(delays, 0.99))} ms` },
    ];
  } finally {
    await Promise.all(relays.map((r) => r.proc.stop()));
    if (child) await stopEmulator(child);
  }
}
