/**
 * The metrics listener: GET /metrics on its own address, loopback by default (`[metrics] host`,
 * `port`). Per-kind counters are metadata (when a gift wrap was delivered), so they are not
 * served to the internet by default: a local Prometheus, or the Managed Service for Prometheus
 * sidecar that shares the container's localhost on Cloud Run, scrapes this port. The public port
 * serves /metrics only with `metrics.token` set (see metricsPlugin). Both are rate-limited.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Registry } from 'prom-client';
import type { RelayConfig } from '../config/types.js';
import { metricsPlugin } from './metrics.js';

/** A started metrics listener. */
export type MetricsServer = { url: string; close(): Promise<void> };

/**
 * Starts the metrics listener on `metrics.host:metrics.port` (port 0: a free one). `live` is the
 * live config, for the reloadable `rate_limits.http_per_minute`.
 */
export async function startMetricsServer(
  config: Pick<RelayConfig, 'metrics'>,
  registry: Registry,
  live: () => Pick<RelayConfig, 'rate_limits'>,
): Promise<MetricsServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(rateLimit, { max: () => live().rate_limits.http_per_minute || Number.MAX_SAFE_INTEGER, timeWindow: 60_000 });
  await app.register(metricsPlugin, { registry, token: config.metrics.token, requireToken: false });
  await app.listen({ host: config.metrics.host, port: config.metrics.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.metrics.port;
  const host = config.metrics.host.includes(':') ? `[${config.metrics.host}]` : config.metrics.host;
  return { url: `http://${host}:${port}/metrics`, close: () => app.close() };
}
