// Benchmark: mls-relay beside strfry (issue 15) — the same ingest and fanout loads, one load generator, one run.
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

/** One relay's ingest then fanout, each on a fresh relay. */
async function measure(start: () => Promise<Target>, size: number): Promise<{ rows: Row[]; perSecond: number; cpuUs: number; processUs: number; p99: number }> {
  let target = await start();
  let ingest;
  try {
    ingest = await ingestRow(target, size);
  } finally {
    await target.stop();
  }
  target = await start();
  try {
    const fan = await fanoutRow(target);
    return { rows: [ingest.row, fan.row], perSecond: ingest.perSecond, cpuUs: ingest.cpuUs, processUs: ingest.processUs, p99: fan.p99 };
  } finally {
    await target.stop();
  }
}

/** `npm run bench -- peers [events]`. */
export async function runPeers(size: number): Promise<Row[]> {
  const allow = [...Array.from({ length: CONNS }, (_, i) => benchIdentity(`ingest-${i}`).pubkey), ...fanoutAllowlist()];
  const mls = await measure(() => startMls(allow), size);
  if (!existsSync(STRFRY_SH)) {
    process.stderr.write(`peers: ${STRFRY_SH} not found; strfry skipped\n`);
    return mls.rows;
  }
  const strfry = await measure(startStrfry, size);
  const ratio = {
    bench: 'peers',
    what: 'mls-relay / strfry in this run: ingest events/s; relay CPU per event (machine − generator; process); fanout p99',
    result: [
      `${(mls.perSecond / strfry.perSecond).toFixed(2)}×`,
      `${(mls.cpuUs / strfry.cpuUs).toFixed(2)}×, ${(mls.processUs / strfry.processUs).toFixed(2)}×`,
      `${(mls.p99 / strfry.p99).toFixed(2)}×`,
    ].join('; '),
    target: 'ingest ≥ 0.6×',
  };
  return [...mls.rows, ...strfry.rows, ratio];
}
