// Benchmark: mls-relay beside strfry (issue 15) — the same ingest and fanout loads, one load generator, one run
// (ingest in alternating rounds, BENCH_PEERS_ROUNDS, default 3; the ratio is the median of the rounds' ratios).
// strfry comes from ../shared/peers/strfry.sh when present (skipped with a message when absent). Relay CPU per
// event is the machine's busy CPU during the window (/proc/stat) minus the load generator's own CPU; the relay
// process's own CPU (all threads, from /proc/<pid>/stat) is printed beside it, since other work may share the
// machine, and for mls-relay its main thread (the event loop) alone.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fanoutAllowlist, fanoutLoad } from './fanout.js';
import { ingestEvents, ingestLoad } from './ingest.js';
import { BenchClient } from './lib/client.js';
import { cpuWindow } from './lib/cpu.js';
import { startRelayProcess } from './lib/relay-process.js';
import { benchIdentity } from './lib/sign.js';
import { int, ms, quantile, type Row } from './lib/stats.js';
import { freePort } from '../test/setup/firestore-emulator.js';

/** The peers' recipe (../shared/peers/README.md): 8 connections × 200 events in flight. */
const CONNS = 8;
const WINDOW = 200;
const FANOUT_SUBSCRIBERS = 1000;
const FANOUT_EVENTS = 100;
const STRFRY_SH = resolve(import.meta.dirname, '../../shared/peers/strfry.sh');

type Target = { name: string; url: string; pid: number; mainTid?: number; auth: boolean; stop: () => Promise<void> };

async function startMls(allowlist: string[]): Promise<Target> {
  const relay = await startRelayProcess({ config: { auth: { required: true, allowlist } } });
  return { name: 'mls-relay', url: relay.url, pid: relay.pid, mainTid: relay.pid, auth: true, stop: async () => {
    await relay.stop();
  } };
}

/** strfry on its own port and directory, so that other users of strfry.sh on this machine are not disturbed. */
async function startStrfry(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'strfry-bench-'));
  const env = { ...process.env, STRFRY_DIR: dir };
  const run = promisify(execFile);
  const { stdout } = await run(STRFRY_SH, ['start', String(await freePort())], { env });
  const url = stdout.trim().split('\n').pop()!;
  const pid = Number(readFileSync(join(dir, 'strfry.pid'), 'utf8'));
  return {
    name: 'strfry',
    url,
    pid,
    auth: false,
    stop: async () => {
      await run(STRFRY_SH, ['stop'], { env });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ingestRow(target: Target, size: number): Promise<{ row: Row; perSecond: number; cpuUs: number; processUs: number }> {
  const who = Array.from({ length: CONNS }, (_, i) => benchIdentity(`ingest-${i}`));
  const events = ingestEvents(size, who);
  const clients = await Promise.all(who.map((w) => (target.auth ? BenchClient.openAs(target.url, w) : BenchClient.open(target.url))));
  const end = cpuWindow(target.pid, target.mainTid);
  const load = await ingestLoad(clients, events, WINDOW);
  const cpu = end();
  for (const c of clients) c.close();
  if (load.refused > 0) process.stderr.write(`peers: ${target.name} refused ${load.refused}, first: ${load.firstRefusal}\n`);
  const per = (s: number | undefined): string => (s === undefined ? 'n/a' : ((s * 1e6) / Math.max(1, load.accepted)).toFixed(0));
  const perSecond = load.accepted / load.seconds;
  const cpuUs = ((cpu.machine - cpu.generator) * 1e6) / Math.max(1, load.accepted);
  const result = [
    `${int(perSecond)} events/s`,
    `CPU ${cpuUs.toFixed(0)} µs/event (process ${per(cpu.relay)}${cpu.relayMain === undefined ? '' : `, main thread ${per(cpu.relayMain)}`})`,
    `OK p50 ${ms(quantile(load.latencies, 0.5))} / p99 ${ms(quantile(load.latencies, 0.99))} ms`,
    `${int(load.accepted)}/${int(events.length)} accepted`,
  ].join('; ');
  const processUs = ((cpu.relay ?? Number.NaN) * 1e6) / Math.max(1, load.accepted);
  return { row: { bench: 'peers', what: `${target.name} ingest, ${CONNS} conns × ${WINDOW} in flight, ${int(size)} events`, result }, perSecond, cpuUs, processUs };
}

async function fanoutRow(target: Target): Promise<{ row: Row; p99: number }> {
  const { latencies, expected } = await fanoutLoad(target.url, FANOUT_SUBSCRIBERS, FANOUT_EVENTS, target.auth);
  const p99 = quantile(latencies, 0.99);
  return {
    row: {
      bench: 'peers',
      what: `${target.name} fanout, 1 publisher → ${int(FANOUT_SUBSCRIBERS)} subscribers, ${FANOUT_EVENTS} events; delivered ${int(latencies.length)}/${int(expected)}`,
      result: `p50 ${ms(quantile(latencies, 0.5))} / p99 ${ms(p99)} ms`,
    },
    p99,
  };
}

/**
 * Ingest rounds, alternating the two relays (mls-relay, strfry, mls-relay, …), each round on a fresh relay. On a
 * shared VM one pair moved ±15% between runs; the median of alternating rounds is what the ratio relies on.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_PEERS_ROUNDS ?? 3));

type Ingest = Awaited<ReturnType<typeof ingestRow>>;

/** Starts a fresh relay, runs `body` against it, stops it. */
async function onFresh<T>(start: () => Promise<Target>, body: (t: Target) => Promise<T>): Promise<T> {
  const target = await start();
  try {
    return await body(target);
  } finally {
    await target.stop();
  }
}

/** The median round's row, with every round's rate beside it. */
function medianIngest(rounds: Ingest[]): Ingest {
  const sorted = [...rounds].sort((a, b) => a.perSecond - b.perSecond);
  const mid = sorted[(sorted.length - 1) >> 1]!;
  if (rounds.length === 1) return mid;
  const all = rounds.map((r) => int(r.perSecond)).join(', ');
  return { ...mid, row: { ...mid.row, what: `${mid.row.what} (median of ${rounds.length} rounds: ${all} events/s)` } };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1]!;

/** `npm run bench -- peers [events]`. */
export async function runPeers(size: number): Promise<Row[]> {
  const allow = [...Array.from({ length: CONNS }, (_, i) => benchIdentity(`ingest-${i}`).pubkey), ...fanoutAllowlist()];
  const startMlsRelay = () => startMls(allow);
  const withStrfry = existsSync(STRFRY_SH);
  if (!withStrfry) process.stderr.write(`peers: ${STRFRY_SH} not found; strfry skipped\n`);
  const mlsRounds: Ingest[] = [];
  const strfryRounds: Ingest[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    mlsRounds.push(await onFresh(startMlsRelay, (t) => ingestRow(t, size)));
    if (withStrfry) strfryRounds.push(await onFresh(startStrfry, (t) => ingestRow(t, size)));
  }
  const mls = { ingest: medianIngest(mlsRounds), fanout: await onFresh(startMlsRelay, fanoutRow) };
  if (!withStrfry) return [mls.ingest.row, mls.fanout.row];
  const strfry = { ingest: medianIngest(strfryRounds), fanout: await onFresh(startStrfry, fanoutRow) };
  // Each round's ratio against the strfry round beside it, then their median.
  const ratios = mlsRounds.map((m, i) => m.perSecond / strfryRounds[i]!.perSecond);
  const ratio = {
    bench: 'peers',
    what: `mls-relay / strfry: ingest events/s (median of ${ROUNDS} alternating rounds${ROUNDS > 1 ? `: ${ratios.map((x) => x.toFixed(2)).join(', ')}` : ''}); relay CPU per event (machine − generator; process); fanout p99`,
    result: [
      `${median(ratios).toFixed(2)}×`,
      `${(median(mlsRounds.map((m, i) => m.cpuUs / strfryRounds[i]!.cpuUs))).toFixed(2)}×, ${median(mlsRounds.map((m, i) => m.processUs / strfryRounds[i]!.processUs)).toFixed(2)}×`,
      `${(mls.fanout.p99 / strfry.fanout.p99).toFixed(2)}×`,
    ].join('; '),
    target: 'ingest ≥ 0.6×',
  };
  return [mls.ingest.row, mls.fanout.row, strfry.ingest.row, strfry.fanout.row, ratio];
}
