import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHttpApp } from './http/app.js';
import type { Logger } from 'pino';
import type { RelayConfig } from './config/types.js';
import { clientIp } from './http/client-ip.js';
import { startMetricsServer } from './http/metrics-server.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type RelayMetrics } from './observability/metrics.js';
import { transportContext, type RelayContext } from './relay/context.js';
import type { RelayExtension } from './relay/extension.js';
import { createHooks } from './relay/hooks.js';
import { createRelayCore } from './relay/core/create.js';
import { registerCorePolicies } from './relay/policies/preset.js';
import { SessionRegistry } from './relay/sessions.js';
import { createWsServer } from './relay/ws-server.js';
import { startMaintenance } from './runtime/maintenance.js';
import { gracefulShutdown } from './runtime/shutdown.js';
import { configExtensions, loadExtensions } from './extension-registry.js';
import { adminAuthenticator } from './http/admin/index.js';
import { openStorage } from './storage/open.js';
import { AccessControl } from './auth/access-control.js';
import { authMetrics } from './auth/metrics.js';
import { authEventChecker } from './auth/nip42.js';
import { relayHttpUrl } from './auth/nip98.js';
import { httpAuthenticator } from './http/nip86.js';
import { HTTP_AUTH_REPLAY_TTL_SECONDS } from './auth/nip98.js';
import { SharedReplayGuard } from './auth/shared-replay.js';
import { registerAccessPolicies, registerRecipientOnlyKinds } from './relay/policies/auth.js';
import { openVerifier } from './verify/open.js';
import { LiveConfig } from './config/live.js';
import { configWarnings, reloadConfig } from './config/load.js';
import { watchRelayConfig } from './config/reload.js';
import type { Storage } from './storage/types.js';
import { workerVerifyThreads, type ClusterWorkerRole } from './runtime/cluster/worker.js';

/** A running relay. */
export type RelayServer = {
  app: FastifyInstance;
  /** The config the relay started with. */
  config: RelayConfig;
  /** The running config: `config` with the reloadable keys of each valid edit of its file applied. */
  liveConfig: LiveConfig;
  ctx: RelayContext;
  storage: Storage;
  sessions: SessionRegistry;
  metrics: RelayMetrics;
  logger: Logger;
  /** ws://host:port actually bound (port 0 in config picks a free one). */
  wsUrl: string;
  httpUrl: string;
  /** http://host:port/metrics of the metrics listener (loopback by default); '' in a cluster worker (the primary serves the cluster's). */
  metricsUrl: string;
  /** Graceful stop: refuse new connections, finish queued work and writes, close sockets, close the store. */
  close(): Promise<void>;
};

/** Options for tests and tools. */
export type StartOptions = {
  logger?: Logger;
  /**
   * Set in a worker of `[server] workers = N` (src/runtime/cluster/primary.ts): SQLite event writes go
   * to the primary, which also serves the metrics listener; only worker 0 runs the maintenance pass.
   */
  clusterWorker?: ClusterWorkerRole;
};


/**
 * The composition root: config → logger → store → hooks → extensions → HTTP + WebSocket.
 * Wires things together; holds no protocol logic.
 */
export async function startRelay(config: RelayConfig, opts: StartOptions = {}): Promise<RelayServer> {
  const startedAt = Date.now();
  const logger = opts.logger ?? createLogger(config.logging.level);
  // What a hot reload of the config file replaces; everything that uses a reloadable key reads it from here.
  const liveConfig = new LiveConfig(config);
  for (const warning of configWarnings(config)) logger.warn({ file: config.file }, warning);
  const metrics = createMetrics();
  const storage = await openStorage(config, logger, opts.clusterWorker?.primary);
  const verifier = await openVerifier({
    inProcess: config.verify.in_process,
    threads: config.verify.threads || (opts.clusterWorker ? workerVerifyThreads(config.server.workers) : 0),
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
  registerCorePolicies(hooks, liveConfig.get);
  registerAccessPolicies(hooks, { access, config: liveConfig.get, rateLimited: authCounters.rateLimited });
  const core = createRelayCore({ config: liveConfig.get, logger, metrics, store: storage.events, hooks, verify: (ev, frame) => verifier.verify(ev, frame), access });
  const { writer } = core.parts;
  const ctx = transportContext(core, authEventChecker(config.server.url, () => liveConfig.current.auth.challenge_ttl_seconds));
  const sessions = new SessionRegistry();
  access.onRevoked((pubkey) => sessions.revoke(ctx, pubkey));
  const httpUrl = relayHttpUrl(config.server.url);
  // NIP-98 tokens are single-use across every instance sharing the store (REST API and NIP-86).
  const replay = new SharedReplayGuard(storage.kv, HTTP_AUTH_REPLAY_TTL_SECONDS);
  // A read's NIP-98 token may be used again only from the IP that first used it (src/auth/replay-cache.ts mayReuse).
  const requestIp = (req: FastifyRequest) => clientIp(req.raw, config.server.trust_proxy);
  const authenticateHttp = httpAuthenticator({
    access,
    relayHttpUrl: httpUrl,
    get required() {
      return liveConfig.current.auth.required;
    },
    metrics: authCounters,
    replay,
    clientIp: requestIp,
  });
  // One admin check for the console's API and the gateway's admin routes: NIP-98 (same replay guard) or a console session.
  const authenticateAdmin = adminAuthenticator({ access, kv: storage.kv, relayHttpUrl: httpUrl, replay, metrics: authCounters, clientIp: requestIp });

  const extensions: RelayExtension[] = await loadExtensions(config, hooks, {
    logger,
    metrics: metrics.registry,
    events: storage.events,
    removeEvents: (ids) => core.remove(ids),
    reads: core,
    recipientOnly: (kinds) => registerRecipientOnlyKinds(hooks, kinds, access),
    labelKinds: (kinds) => metrics.kindLabels.labelKinds(kinds),
    kv: storage.kv,
    relayUrl: config.server.url,
    authenticateHttp,
    authenticateAdmin: async (req) => (await authenticateAdmin(req)).pubkey,
    isAllowed: (pubkey) => access.isAllowed(pubkey),
    liveConfig: liveConfig.get,
  });

  const { app, stopAdmin } = await createHttpApp({
    config,
    liveConfig: liveConfig.get,
    logger,
    registry: metrics.registry,
    database: () => storage.events.health(),
    extensions,
    nip86: {
      access,
      relayHttpUrl: httpUrl,
      clientIp: requestIp,
      logger,
      metrics: authCounters,
      replay,
      onBanEvent: async (id) => {
        await core.remove([id]);
      },
    },
    admin: {
      relayHttpUrl: httpUrl,
      access,
      kv: storage.kv,
      store: storage.events,
      sessions,
      registry: metrics.registry,
      config: liveConfig.get,
      extensions: configExtensions(),
      backend: storage.backend,
      startedAt,
      health: { database: () => storage.events.health() },
      authenticate: authenticateAdmin,
      logger,
    },
  });

  const ws = createWsServer(ctx, sessions, { clientIp: (req) => clientIp(req, config.server.trust_proxy) });
  let closing = false;
  app.server.on('upgrade', (req, socket, head) => {
    if (closing) return void socket.destroy();
    ws.handleUpgrade(req, socket, head);
  });
  // Events committed by other instances enter the same live path as this one's commits.
  const stopRemote = storage.watchRemote?.((ev) => core.deliverRemote(ev), { isWanted: () => core.parts.live.size > 0 });
  // Edits of the config file's reloadable keys apply within a second, without restart.
  liveConfig.onChange((next, prev) => {
    if (next.auth.allowlist !== prev.auth.allowlist || next.auth.admin_pubkeys !== prev.auth.admin_pubkeys) {
      access.setConfigLists(next.auth.allowlist, next.auth.admin_pubkeys);
    }
  });
  const watcher = config.file
    ? watchRelayConfig({ file: config.file, live: liveConfig, load: () => reloadConfig(config), extensions: configExtensions(), logger })
    : undefined;
  if (config.auth.required && config.auth.allowlist.length === 0 && config.auth.admin_pubkeys.length === 0) {
    logger.warn(
      'auth.required is on and the config allowlist is empty: only pubkeys allowed through NIP-86 may use the relay (add one with `npm run relay -- allowlist add <npub|hex>`)',
    );
  }

  // NIP-40 purges and the extensions' maintenance (retention) run in one process of a cluster.
  const stopMaintenance = (opts.clusterWorker?.index ?? 0) === 0 ? startMaintenance(storage.events, extensions, logger) : () => {};

  await app.listen({ host: config.server.host, port: config.server.port });
  const metricsServer = opts.clusterWorker ? undefined : await startMetricsServer(config, metrics.registry, liveConfig.get);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  logger.info({ port, metrics: metricsServer?.url, backend: storage.backend, extensions: extensions.map((e) => e.name) }, 'relay listening');

  return {
    app,
    config,
    liveConfig,
    ctx,
    storage,
    sessions,
    metrics,
    logger,
    wsUrl: `ws://${host}:${port}`,
    httpUrl: `http://${host}:${port}`,
    metricsUrl: metricsServer?.url ?? '',
    close: gracefulShutdown({
      stopIntake: () => {
        closing = true;
        stopMaintenance();
        stopAdmin();
        stopRemote?.();
        watcher?.close();
        access.close();
      },
      // Finish what clients already sent (their OKs follow the commits), then close frames.
      drain: () => Promise.all([...sessions.all()].map((s) => s.idle())).then(() => writer.flush()),
      graceMs: config.server.shutdown_grace_ms,
      close: [
        () => ws.close(1001, 'relay shutting down'),
        () => app.close(),
        async () => metricsServer?.close(),
        ...extensions.map((ext) => async () => ext.close?.()),
        () => verifier.close(),
        () => storage.close(),
      ],
      logger,
    }),
  };
}
