import type { Logger } from 'pino';

/** What a graceful stop takes apart, in this order. */
export type ShutdownSteps = {
  /** Stop accepting new work (connections, timers, feeds); synchronous. */
  stopIntake: () => void;
  /** Work already received: queued messages and their commits (OKs follow commits). */
  drain: () => Promise<void>;
  /** Bounds `drain`: past it the relay closes anyway. */
  graceMs: number;
  /** Then close frames, listeners, extensions, workers, store — in the order given. */
  close: (() => Promise<void> | void)[];
  logger: Logger;
};

/**
 * The graceful stop (SIGTERM on Cloud Run): refuse new work, finish what clients already sent
 * within the grace period, then close everything in order. Idempotent: later calls wait for the first.
 */
export function gracefulShutdown(steps: ShutdownSteps): () => Promise<void> {
  let done: Promise<void> | undefined;
  const run = async (): Promise<void> => {
    steps.stopIntake();
    const grace = new Promise<void>((r) => setTimeout(r, steps.graceMs).unref());
    await Promise.race([steps.drain(), grace]);
    for (const close of steps.close) await close();
    steps.logger.info('relay stopped');
  };
  return () => (done ??= run());
}
