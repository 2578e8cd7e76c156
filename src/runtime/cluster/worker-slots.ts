/** A restart delay that doubles with each crash in a row, so a worker that crashes at once does not spin. */
export const RESTART_BASE_MS = 500;
export const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before it died starts a fresh series of delays. */
export const STABLE_AFTER_MS = 30_000;

/** One worker position of the cluster: its index is kept by the workers that replace each other in it. */
export type WorkerSlot = {
  readonly index: number;
  /** When the current worker was forked (ms since epoch). */
  startedAt: number;
  /** Crashes in a row, each within STABLE_AFTER_MS of its start. */
  crashes: number;
};

/** Records a crash of the slot's worker at `now` and returns how long to wait before forking its replacement. */
export function restartDelayMs(slot: WorkerSlot, now: number): number {
  slot.crashes = now - slot.startedAt >= STABLE_AFTER_MS ? 1 : slot.crashes + 1;
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** (slot.crashes - 1));
}
