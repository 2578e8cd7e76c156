import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RelayConfig } from '../config/types.js';
import type { RelayExtension } from '../relay/extension.js';
import { registerHealthGauge, registerMemoryLimitGauge } from '../observability/health-gauge.js';
import { registerAdmin, type AdminWiring } from './admin/index.js';
import { clientIp } from './client-ip.js';
import { healthPlugin } from './health.js';
import { metricsPlugin } from './metrics.js';
import { nip11Plugin } from './nip11.js';
import { nip86Plugin, type Nip86Options } from './nip86.js';
import { keepRawJsonBodies } from './raw-body.js';

/** What the HTTP side is assembled from. */
export type HttpAppOptions = {
  /** The boot config: body limit, timeouts, proxy trust and the metrics token are fixed at start. */
  config: RelayConfig;
  /** The live config (NIP-11, the HTTP rate). */
  liveConfig: () => RelayConfig;
  logger: Logger;
  registry: Registry;
  /** The store's health check (/health and the health gauge). */
  database: () => Promise<void>;
  extensions: RelayExtension[];
  nip86: Nip86Options;
  admin: AdminWiring;
};

/**
 * Slowloris bounds: a request whose headers and body trickle in is cut after `requestMs` (Node checks
 * open requests every `connectionsCheckingInterval`, 30 s by default: too coarse for short bounds);
 * a silent socket after 2× that; keep-alive stays at fastify's 72 s (longer than load balancers' idle).
 */
function httpTimeouts(requestMs: number) {
  return {
    connectionTimeout: requestMs * 2,
    requestTimeout: requestMs,
    keepAliveTimeout: 72_000,
    http: { headersTimeout: requestMs, requestTimeout: requestMs, connectionsCheckingInterval: Math.min(30_000, Math.max(250, requestMs / 4)) },
  };
}

/**
 * The relay's HTTP side: per-IP rate limit, NIP-11, /health, /metrics (token only), NIP-86, the
 * extensions' routes and the admin console. Returns the app (not listening yet) and the admin's stop.
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<{ app: FastifyInstance; stopAdmin: () => void }> {
  const { config, liveConfig, registry } = opts;
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines add nothing Cloud Run's request log lacks; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.max_message_bytes,
    ...httpTimeouts(config.server.http_request_timeout_seconds * 1000),
  });
  keepRawJsonBodies(app);
  await app.register(rateLimit, {
    max: () => liveConfig().rate_limits.http_per_minute || Number.MAX_SAFE_INTEGER,
    timeWindow: 60_000,
    keyGenerator: (req) => clientIp(req.raw, config.server.trust_proxy),
    allowList: (req) => req.url === '/health',
  });
  await app.register(nip11Plugin, { config: liveConfig, contributions: () => opts.extensions.map((e) => e.nip11?.() ?? {}) });
  await app.register(healthPlugin, { startedAt: opts.admin.startedAt, checks: { database: opts.database } });
  registerHealthGauge(registry, { database: opts.database });
  registerMemoryLimitGauge(registry);
  await app.register(metricsPlugin, { registry, token: config.metrics.token, requireToken: true });
  await app.register(nip86Plugin, opts.nip86);
  for (const ext of opts.extensions) if (ext.routes) await app.register(ext.routes.plugin, { prefix: ext.routes.prefix });
  const stopAdmin = await registerAdmin(app, opts.admin);
  return { app, stopAdmin };
}
