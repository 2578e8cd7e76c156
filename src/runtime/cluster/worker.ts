import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { clusterWorkerIndex } from '../../config/cluster-role.js';
import type { PrimaryPort } from '../../storage/sqlite/cluster-protocol.js';

/** What makes a relay one worker of a cluster (StartOptions.clusterWorker). */
export type ClusterWorkerRole = {
  /** 0 … workers − 1, kept by a replacement; worker 0 runs the maintenance pass that must run once. */
  index: number;
  /** This process's channel to the primary. */
  primary: PrimaryPort;
};

/** This process's role when the cluster primary forked it (runClusterPrimary); undefined in a single relay. */
export function clusterWorkerRole(): ClusterWorkerRole | undefined {
  const index = clusterWorkerIndex();
  if (!cluster.isWorker || index === undefined || !process.send) return undefined;
  const send = process.send.bind(process);
  const primary: PrimaryPort = {
    send: (message) => send(message),
    isConnected: () => process.connected,
    on: (event, listener) => process.on(event, listener),
    off: (event: 'message' | 'disconnect', listener: (message: unknown) => void) => process.off(event, listener),
    once: (event, listener) => process.once(event, listener),
  };
  return { index, primary };
}

/**
 * Verify threads of one worker when `verify.threads` is 0: the machine's cores shared among the
 * workers (at least one each), so N workers do not start N × cores threads on one machine.
 */
export function workerVerifyThreads(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}
