import { totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import { runHealthChecks, type HealthChecks } from '../http/health.js';

/** Name of the health gauge (one series per check of GET /health). */
export const HEALTH_GAUGE = 'nostr_relay_health_check_up';

/**
 * Registers `nostr_relay_health_check_up{check}`: 1 when the check passes, 0 when it fails or takes
 * longer than `timeoutMs` (default 2 s). The checks are those of GET /health, run at each scrape,
 * so Prometheus sees consecutive failures (the runbook's "health check failures > 3 consecutive").
 */
export function registerHealthGauge(registry: Registry, checks: HealthChecks, timeoutMs = 2000): Gauge<'check'> {
  return new Gauge({
    name: HEALTH_GAUGE,
    help: 'Health checks of GET /health at scrape time: 1 ok, 0 failing or timed out',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      const { checks: results } = await runHealthChecks(checks, timeoutMs);
      for (const [check, result] of Object.entries(results)) this.set({ check }, result === 'ok' ? 1 : 0);
    },
  });
}

/**
 * The memory this process may use, in bytes: the container's limit (cgroup, e.g. Cloud Run's
 * --memory) when there is one below the machine's memory, else the machine's memory.
 */
export function memoryLimitBytes(): number {
  const machine = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < machine ? constrained : machine;
}

/** Registers `nostr_relay_memory_limit_bytes` (memoryLimitBytes), the denominator of the memory alert and panel. */
export function registerMemoryLimitGauge(registry: Registry): Gauge {
  return new Gauge({
    name: 'nostr_relay_memory_limit_bytes',
    help: 'Memory available to this process: the container limit (cgroup) or the machine memory',
    registers: [registry],
    collect() {
      this.set(memoryLimitBytes());
    },
  });
}
