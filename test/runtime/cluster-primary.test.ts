import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { loadRelayConfig } from '../../src/load-relay-config.js';
import { createLogger } from '../../src/observability/logger.js';
import { runClusterPrimary } from '../../src/runtime/cluster/primary.js';
import { RESTART_MAX_MS, restartDelayMs, STABLE_AFTER_MS, type WorkerSlot } from '../../src/runtime/cluster/worker-slots.js';

describe('restartDelayMs: the delay before a dead worker is replaced', () => {
  it('doubles while the worker keeps dying soon after its start, up to the cap', () => {
    const slot: WorkerSlot = { index: 0, startedAt: 0, crashes: 0 };
    const delays = Array.from({ length: 9 }, () => restartDelayMs(slot, 1000));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, RESTART_MAX_MS, RESTART_MAX_MS, RESTART_MAX_MS]);
  });

  it('starts over for a worker that ran long enough before it died', () => {
    const slot: WorkerSlot = { index: 1, startedAt: 0, crashes: 5 };
    expect(restartDelayMs(slot, STABLE_AFTER_MS)).toBe(500);
    expect(slot.crashes).toBe(1);
  });
});

describe('runClusterPrimary', () => {
  it('refuses an in-memory SQLite database, which worker processes cannot share, before forking anything', async () => {
    const config = loadRelayConfig({ file: null, env: {}, overrides: { server: { workers: 2 }, storage: { sqlite: { path: ':memory:' } } } });
    await expect(runClusterPrimary(config, createLogger('silent'))).rejects.toThrow(ConfigError);
  });

  it('RELAY_WORKERS sets server.workers, and 0 is refused', () => {
    expect(loadRelayConfig({ file: null, env: { RELAY_WORKERS: '3' } }).server.workers).toBe(3);
    expect(() => loadRelayConfig({ file: null, env: { RELAY_WORKERS: '0' } })).toThrow(ConfigError);
  });
});
