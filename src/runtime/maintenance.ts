import type { Logger } from 'pino';
import type { RelayExtension } from '../relay/extension.js';
import type { EventStore } from '../storage/types.js';

/** How often expired events are purged and extensions' maintenance runs. */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * The periodic maintenance pass: NIP-40 expired events leave the store, then each extension's
 * `maintain` (retention, gauges). Failures are logged and the next pass runs anyway. Returns a stop function.
 */
export function startMaintenance(store: Pick<EventStore, 'purgeExpired'>, extensions: RelayExtension[], logger: Logger): () => void {
  const timer = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    void store.purgeExpired(now).catch((err: Error) => logger.warn({ err: err.message }, 'purge failed'));
    for (const ext of extensions) void ext.maintain?.(now).catch((err: Error) => logger.warn({ ext: ext.name, err: err.message }, 'maintenance failed'));
  }, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
