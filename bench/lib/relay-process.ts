// Starts the relay as a separate process (the real CLI: `node --import tsx src/main.ts start`), configured by a
// temporary TOML file through RELAY_CONFIG, so the load generator never shares its event loop or its cores' accounting.
// Also the launcher of the tests and scripts that need a real process: kill -9 crash safety, two instances on one
// Firestore, the soak. Node is spawned directly (not through npx), so a signal reaches the relay itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'smol-toml';
import { relayCpuSeconds, relayMainThreadsCpuSeconds } from './cpu.js';
import { freePort } from '../../test/setup/firestore-emulator.js';

/** The public URL the bench relay claims (NIP-42 `relay` tag). */
export const BENCH_RELAY_URL = 'ws://bench.relay';

/** A relay child process. */
export type RelayProcess = {
  url: string;
  httpUrl: string;
  pid: number;
  dir: string;
  /** Resident set size of the relay process, bytes (from /proc; the primary only, for a cluster). */
  rssBytes(): number;
  /** CPU seconds (user + system) used by the relay process so far, with its descendants (a cluster's workers; from /proc). */
  cpuSeconds(): number;
  /** CPU seconds of the relay's main thread (its event loop; each process's, for a cluster): the part that cannot spread over cores. */
  mainThreadCpuSeconds(): number;
  /** Reads one counter or histogram `_count`/`_sum` sample from /metrics (summed over labels matching `labelPart`). */
  metric(name: string, labelPart?: string): Promise<number>;
  /**
   * Sends `signal` (SIGTERM: graceful; SIGKILL: a crash), waits for the exit, removes the temporary config.
   * Resolves with the exit code (null when a signal ended it).
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Options: TOML sections merged over the bench defaults, and extra environment. */
export type RelayProcessOptions = {
  config?: Record<string, Record<string, unknown>>;
  env?: NodeJS.ProcessEnv;
  dbPath?: string;
  /** Modules (paths from the repository root) imported into the relay process before it starts. */
  preload?: string[];
  /** Receives each line the relay writes to stdout (its JSON log); stdout is discarded without it. */
  onLogLine?: (line: string) => void;
};

/**
 * `[server] workers` of bench relays: BENCH_RELAY_WORKERS=2 runs each as a cluster (a primary and 2
 * workers; the CPU figures then cover every process). Default 1. A config given by the caller wins.
 */
function benchWorkers(): number {
  const n = Number(process.env.BENCH_RELAY_WORKERS ?? 1);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RELAY_WORKERS must be a positive integer, not ${process.env.BENCH_RELAY_WORKERS}`);
  return n;
}

const ROOT = resolve(import.meta.dirname, '../..');

function procStatusKb(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

async function waitHealthy(httpUrl: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`relay exited (${child.exitCode}): ${stderr()}`);
    try {
      const res = await fetch(`${httpUrl}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`relay did not become healthy: ${stderr()}`);
}

/** Starts a relay process on a free port with auth on, logging at warn, and waits for /health. */
export async function startRelayProcess(opts: RelayProcessOptions = {}): Promise<RelayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-bench-'));
  const port = await freePort();
  const metricsPort = await freePort();
  const sections: Record<string, Record<string, unknown>> = {
    server: { host: '127.0.0.1', port, url: BENCH_RELAY_URL, workers: benchWorkers() },
    storage: { backend: 'sqlite', sqlite: { path: opts.dbPath ?? join(dir, 'relay.db') } },
    auth: { required: true },
    logging: { level: 'warn' },
    // Several relay processes share this machine: each its own metrics port (the loopback listener).
    metrics: { port: metricsPort },
    rate_limits: {
      events_per_minute: 0,
      events_per_minute_per_ip: 0,
      group_messages_per_minute: 0,
      reqs_per_minute: 0,
      query_rows_per_minute: 0,
      connections_per_ip: 0,
      http_per_minute: 0,
    },
  };
  for (const [name, over] of Object.entries(opts.config ?? {})) sections[name] = { ...sections[name], ...over };
  const file = join(dir, 'relay.toml');
  writeFileSync(file, stringify(sections));
  const child = spawn(process.execPath, [...(process.env.BENCH_RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', ...(opts.preload ?? []).flatMap((p) => ['--import', `./${p}`]), 'src/main.ts', 'start'], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env, RELAY_CONFIG: file },
    stdio: ['ignore', opts.onLogLine ? 'pipe' : 'ignore', 'pipe'],
  });
  if (opts.onLogLine) {
    const onLine = opts.onLogLine;
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine(line);
    });
  }
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(httpUrl, child, () => err);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const pid = child.pid!;
  return {
    url: `ws://127.0.0.1:${port}`,
    httpUrl,
    pid,
    dir,
    rssBytes: () => procStatusKb(pid, 'VmRSS') * 1024,
    cpuSeconds: () => relayCpuSeconds(pid),
    mainThreadCpuSeconds: () => relayMainThreadsCpuSeconds(pid),
    async metric(name, labelPart = '') {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{') && line.includes(labelPart)) {
          sum += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}
