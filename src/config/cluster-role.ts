/**
 * The variable through which the cluster primary tells a forked worker its index (0 … workers − 1).
 * A re-forked worker gets the index of the one it replaces, so "worker 0 runs the maintenance pass"
 * holds across crashes. Not a config key: the primary sets it, operators never do.
 */
export const WORKER_INDEX_ENV = 'MLS_RELAY_CLUSTER_WORKER';

/** This process's worker index when the cluster primary forked it; undefined otherwise. */
export function clusterWorkerIndex(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[WORKER_INDEX_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
