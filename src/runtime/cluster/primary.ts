import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { WORKER_INDEX_ENV } from '../../config/cluster-role.js';
import { ConfigError } from '../../config/load.js';
import type { RelayConfig } from '../../config/types.js';
import { startMetricsServer, type MetricsServer } from '../../http/metrics-server.js';
import { sqliteStorageOptions } from '../../storage/open.js';
import { isFileBacked } from '../../storage/sqlite/open-database.js';
import { PrimaryWrites } from '../../storage/sqlite/primary-writes.js';
import { ClusterMetrics } from './metrics.js';
import { restartDelayMs, type WorkerSlot } from './worker-slots.js';

/** Beyond the workers' own grace (server.shutdown_grace_ms), how long the primary waits before it kills them. */
const SHUTDOWN_MARGIN_MS = 5000;

type Running = { slot: WorkerSlot; worker: Worker; detach?: () => void; listening: boolean };

/**
 * The primary of `[server] workers = N` (N > 1), what Cloud Run's instances are on one machine:
 * forks N workers that each run the whole relay (startRelay) on the shared port — node:cluster
 * hands them connections in turn —, and for SQLite owns the database file's one writer
 * (PrimaryWrites), through which the workers' commits also reach each other's live subscribers.
 * Serves the workers' summed /metrics on the metrics listener. Forks a replacement for a worker
 * that dies, after a delay that grows while it keeps crashing; a worker that dies before it
 * listened is a boot failure and stops the cluster. SIGTERM/SIGINT reach every worker (each drains
 * as a single relay does, its writes committing here), and the primary closes the writer after the
 * last one exited. Resolves with the process's exit code.
 */
export async function runClusterPrimary(config: RelayConfig, logger: Logger): Promise<number> {
  const sqlite = config.storage.backend === 'sqlite';
  if (sqlite && !isFileBacked(config.storage.sqlite.path)) {
    throw new ConfigError(['server.workers > 1 needs storage.sqlite.path to be a database file: the workers share it']);
  }
  const writes = sqlite
    ? await PrimaryWrites.open(sqliteStorageOptions(config, logger))
    : undefined;
  // Advanced serialization: a write batch crosses as bytes (write-protocol.ts), not as JSON.
  cluster.setupPrimary({ serialization: 'advanced' });
  const running = new Map<number, Running>();
  let metricsServer: MetricsServer;
  try {
    metricsServer = await startMetricsServer(config, new ClusterMetrics(() => [...running.values()].map((r) => r.worker)), () => config);
  } catch (err) {
    await writes?.close();
    throw err;
  }
  let stopping: string | undefined;
  let settle!: (code: number) => void;
  const done = new Promise<number>((resolve) => (settle = resolve));

  const fork = (slot: WorkerSlot): void => {
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    const entry: Running = { slot, worker, listening: false, detach: writes?.attach(worker) };
    running.set(slot.index, entry);
    worker.once('listening', () => {
      entry.listening = true;
      logger.info({ worker: slot.index, pid: worker.process.pid }, 'cluster worker listening');
    });
    worker.once('exit', (code, signal) => onExit(entry, code, signal));
    // A send to a worker that is dying but not yet reaped (a forwarded batch, a turn) fails with an 'error'
    // event; unheard, it would throw and take the primary, and every worker with it, down.
    worker.on('error', (err) => logger.warn({ worker: slot.index, pid: worker.process.pid, err: err.message }, 'cluster worker channel error'));
  };

  const onExit = (entry: Running, code: number | null, signal: string | null): void => {
    entry.detach?.();
    running.delete(entry.slot.index);
    const pid = entry.worker.process.pid;
    if (stopping) {
      // A worker that did not stop cleanly (its drain failed, or it was killed past the grace) makes the exit code 1.
      if (code !== 0) logger.warn({ worker: entry.slot.index, pid, code, signal }, 'cluster worker did not stop cleanly');
      if (running.size === 0) void finish(code === 0 ? 0 : 1);
      else if (code !== 0) exitCode = 1;
      return;
    }
    if (!entry.listening) {
      logger.error({ worker: entry.slot.index, pid, code, signal }, 'cluster worker failed to start; stopping the cluster');
      void shutdown('boot failure', 1);
      return;
    }
    const delayMs = restartDelayMs(entry.slot, Date.now());
    logger.warn({ worker: entry.slot.index, pid, code, signal, restartInMs: delayMs }, 'cluster worker died; forking a replacement');
    setTimeout(() => {
      if (!stopping) fork(entry.slot);
    }, delayMs);
  };

  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const finish = async (code: number): Promise<void> => {
    clearTimeout(killTimer);
    exitCode = Math.max(exitCode, code);
    // Every worker has exited: nothing more will be sent to the writer; it commits what it has.
    await Promise.allSettled([metricsServer.close(), writes?.close()]).then((results) => {
      for (const r of results) if (r.status === 'rejected') logger.error({ err: String(r.reason) }, 'cluster primary: closing failed');
    });
    logger.info({ code: exitCode }, 'cluster stopped');
    settle(exitCode);
  };

  const shutdown = async (why: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = why;
    exitCode = code;
    logger.info({ why, workers: running.size }, 'cluster shutting down');
    // Not worker.kill(): it disconnects first, and a draining worker still needs the channel for its writes.
    for (const { worker } of running.values()) worker.process.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const { worker } of running.values()) worker.process.kill('SIGKILL');
    }, config.server.shutdown_grace_ms + SHUTDOWN_MARGIN_MS);
    if (running.size === 0) await finish(code);
  };

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  for (let index = 0; index < config.server.workers; index++) fork({ index, startedAt: 0, crashes: 0 });
  logger.info({ workers: config.server.workers, pid: process.pid, metrics: metricsServer.url, backend: config.storage.backend }, 'cluster primary started');
  return done;
}
