import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { RelayConfig } from './config/types.js';
import { clientIp } from './http/client-ip.js';
import { healthPlugin } from './http/health.js';
import { metricsPlugin } from './http/metrics.js';
import { startMetricsServer } from './http/metrics-server.js';
import { nip11Plugin } from './http/nip11.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type RelayMetrics } from './observability/metrics.js';
import { registerHealthGauge, registerMemoryLimitGauge } from './observability/health-gauge.js';
import type { RelayContext } from './relay/context.js';
import type { RelayExtension } from './relay/extension.js';
import { createHooks } from './relay/hooks.js';
import { LiveFanout } from './relay/live.js';
import { registerCorePolicies } from './relay/policies/preset.js';
import { combineReadGates } from './relay/read-gate.js';
import { SessionRegistry } from './relay/sessions.js';
import { createWsServer } from './relay/ws-server.js';
import { Writer } from './relay/writer.js';
import { PreauthGuard } from './relay/preauth.js';
import { extensionSchemas, loadExtensions } from './extension-registry.js';
import { adminAuthenticator, registerAdmin } from './http/admin/index.js';
import { openStorage } from './storage/open.js';
import { AccessControl } from './auth/access-control.js';
import { watchAllowlistFile, type AllowlistWatcher } from './auth/allowlist-file.js';
import { authMetrics } from './auth/metrics.js';
import { authEventChecker } from './auth/nip42.js';
import { relayHttpUrl } from './auth/nip98.js';
import { httpAuthenticator, nip86Plugin } from './http/nip86.js';
import { HTTP_AUTH_REPLAY_TTL_SECONDS } from './auth/nip98.js';
import { SharedReplayGuard } from './auth/shared-replay.js';
import { keepRawJsonBodies } from './http/raw-body.js';
import { registerAccessPolicies } from './relay/policies/auth.js';
import { openVerifier } from './verify/open.js';
import { loadRelayConfig } from './cli/load-relay-config.js';
import type { Storage } from './storage/types.js';

/** A running relay. */
export type RelayServer = {
  app: FastifyInstance;
  config: RelayConfig;
  ctx: RelayContext;
  storage: Storage;
  sessions: SessionRegistry;
  metrics: RelayMetrics;
  logger: Logger;
  /** ws://host:port actually bound (port 0 in config picks a free one). */
  wsUrl: string;
  httpUrl: string;
  /** http://host:port/metrics of the metrics listener (loopback by default). */
  metricsUrl: string;
  /** Graceful stop: refuse new connections, finish queued work and writes, close sockets, close the store. */
  close(): Promise<void>;
};

/** Options for tests and tools. */
export type StartOptions = { logger?: Logger };

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
 * The composition root: config → logger → store → hooks → extensions → HTTP + WebSocket.
 * Wires things together; holds no protocol logic.
 */
export async function startRelay(config: RelayConfig, opts: StartOptions = {}): Promise<RelayServer> {
  const startedAt = Date.now();
  const logger = opts.logger ?? createLogger(config.logging.level);
  const metrics = createMetrics();
  const storage = await openStorage(config, logger);
  const verifier = await openVerifier({
    inProcess: config.verify.in_process,
    threads: config.verify.threads,
    backend: config.verify.backend,
    maxQueue: config.verify.max_queue,
    onSkip: (name, err) => logger.info({ backend: name, err: String(err) }, 'verify backend unavailable, skipped'),
  });
  const authCounters = authMetrics(metrics.registry);
  const access = await AccessControl.create({
    kv: storage.kv,
    allowlist: config.auth.allowlist,
    admins: config.auth.admin_pubkeys,
    logger,
    metrics: authCounters,
  });
  // Bans made by an admin on another instance (same store) reach this one within seconds.
  access.startRefresh(2000);
  const hooks = createHooks();
  registerCorePolicies(hooks, config);
  registerAccessPolicies(hooks, { access, config, rateLimited: authCounters.rateLimited });
  const gate = combineReadGates(hooks.readGates);
  const live = new LiveFanout(gate, hooks.overwriteResults, (n) => metrics.eventsBroadcast.inc(n));
  const writer = new Writer(storage.events, { logger, storeOpDuration: metrics.storeOpDuration, storeOps: metrics.storeOps });
  const ctx: RelayContext = {
    config,
    logger,
    metrics,
    store: storage.events,
    writer,
    hooks,
    gate,
    live,
    verify: (ev, frame) => verifier.verify(ev, frame),
    access,
    checkAuthEvent: authEventChecker(config.server.url, config.auth.challenge_ttl_seconds),
    preauth: new PreauthGuard(config, access),
  };
  const sessions = new SessionRegistry();
  access.onRevoked((pubkey) => sessions.revoke(ctx, pubkey));
  const httpUrl = relayHttpUrl(config.server.url);
  // NIP-98 tokens are single-use across every instance sharing the store (REST API and NIP-86).
  const replay = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
  // A read's NIP-98 token may be used again only from the IP that first used it (src/auth/replay-cache.ts mayReuse).
  const requestIp = (req: FastifyRequest) => clientIp(req.raw, config.server.trust_proxy);
  const authenticateHttp = httpAuthenticator({ access, relayHttpUrl: httpUrl, required: config.auth.required, metrics: authCounters, replay, clientIp: requestIp });
  // One admin check for the console's API and the gateway's admin routes: NIP-98 (same replay guard) or a console session.
  const authenticateAdmin = adminAuthenticator({ access, kv: storage.kv, relayHttpUrl: httpUrl, replay, metrics: authCounters, clientIp: requestIp });

  const extensions: RelayExtension[] = await loadExtensions(config, hooks, {
    logger,
    metrics: metrics.registry,
    events: storage.events,
    kv: storage.kv,
    relayUrl: config.server.url,
    authenticateHttp,
    authenticateAdmin: async (req) => (await authenticateAdmin(req)).pubkey,
    isAllowed: (pubkey) => access.isAllowed(pubkey),
    canRead: (c, ev) => gate.canRead(c, ev),
  });

  const app: FastifyInstance = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines add nothing Cloud Run's request log lacks; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.max_message_bytes,
    ...httpTimeouts(config.server.http_request_timeout_seconds * 1000),
  });
  keepRawJsonBodies(app);
  await app.register(rateLimit, {
    max: config.rate_limits.http_per_minute || Number.MAX_SAFE_INTEGER,
    timeWindow: 60_000,
    keyGenerator: (req) => clientIp(req.raw, config.server.trust_proxy),
    allowList: (req) => req.url === '/health',
  });
  await app.register(nip11Plugin, {
    config: () => config,
    contributions: () => extensions.map((e) => e.nip11?.() ?? {}),
  });
  await app.register(healthPlugin, { startedAt, checks: { database: () => storage.events.health() } });
  registerHealthGauge(metrics.registry, { database: () => storage.events.health() });
  registerMemoryLimitGauge(metrics.registry);
  await app.register(metricsPlugin, { registry: metrics.registry, token: config.metrics.token, requireToken: true });
  await app.register(nip86Plugin, {
    access,
    relayHttpUrl: httpUrl,
    clientIp: requestIp,
    logger,
    metrics: authCounters,
    replay,
    onBanEvent: async (id) => {
      await storage.events.remove([id]);
    },
  });
  for (const ext of extensions) if (ext.routes) await app.register(ext.routes.plugin, { prefix: ext.routes.prefix });
  const stopAdmin = await registerAdmin(app, {
    relayHttpUrl: httpUrl,
    access,
    kv: storage.kv,
    store: storage.events,
    sessions,
    registry: metrics.registry,
    config,
    extensionSchemas: extensionSchemas(),
    backend: storage.backend,
    startedAt,
    health: { database: () => storage.events.health() },
    authenticate: authenticateAdmin,
    logger,
  });

  const ws = createWsServer(ctx, sessions, {
    clientIp: (req) => clientIp(req, config.server.trust_proxy),
    refuseConnection: (ip) => {
      const max = config.rate_limits.connections_per_ip;
      if (max === 0 || sessions.countForIp(ip) < max) return undefined;
      authCounters.rateLimited.inc({ scope: 'connection' });
      return 'too many connections from this address';
    },
  });
  let closing = false;
  app.server.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    ws.handleUpgrade(req, socket, head);
  });
  const stopRemote = storage.watchRemote?.((ev) => live.broadcast(ev));
  // The allowlist in the config file is applied within a second of an edit, without restart.
  const watcher: AllowlistWatcher | undefined = config.file
    ? watchAllowlistFile({
        file: config.file,
        logger,
        load: () => loadRelayConfig({ file: config.file }),
        initial: { allowlist: config.auth.allowlist, admins: config.auth.admin_pubkeys },
        onChange: (lists) => access.setConfigLists(lists.allowlist, lists.admins),
      })
    : undefined;
  if (config.auth.required && config.auth.allowlist.length === 0 && config.auth.admin_pubkeys.length === 0) {
    logger.warn(
      'auth.required is on and the config allowlist is empty: only pubkeys allowed through NIP-86 may use the relay (add one with `npm run relay -- allowlist add <npub|hex>`)',
    );
  }

  const maintenance = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    void storage.events.purgeExpired(now).catch((err: Error) => logger.warn({ err: err.message }, 'purge failed'));
    for (const ext of extensions) void ext.maintain?.(now).catch((err: Error) => logger.warn({ ext: ext.name, err: err.message }, 'maintenance failed'));
  }, 60_000);
  maintenance.unref();

  await app.listen({ host: config.server.host, port: config.server.port });
  const metricsServer = await startMetricsServer(config, metrics.registry);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  logger.info({ port, metrics: metricsServer.url, backend: storage.backend, extensions: extensions.map((e) => e.name) }, 'relay listening');

  return {
    app,
    config,
    ctx,
    storage,
    sessions,
    metrics,
    logger,
    wsUrl: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    metricsUrl: metricsServer.url,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(maintenance);
      stopAdmin();
      stopRemote?.();
      watcher?.close();
      access.close();
      const grace = new Promise<void>((r) => setTimeout(r, config.server.shutdown_grace_ms).unref());
      // Finish what clients already sent (their OKs follow the commits), then close frames.
      await Promise.race([Promise.all([...sessions.all()].map((s) => s.idle())).then(() => writer.flush()), grace]);
      ws.close(1001, 'relay shutting down');
      await app.close();
      await metricsServer.close();
      for (const ext of extensions) await ext.close?.();
      await verifier.close();
      await storage.close();
      logger.info('relay stopped');
    },
  };
}
