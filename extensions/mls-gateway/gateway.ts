import type { Counter } from 'prom-client';
import type { RelayHooks } from '../../src/relay/hooks.js';
import type { ExtensionDeps, RelayExtension } from '../../src/relay/extension.js';
import { defaultMlsGatewayConfig, liveMlsGatewayConfig, mlsGatewayConfig, readMlsGatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { claimKeyPackagesOnFetch } from './directory/claims.js';
import { updateLowPoolGauge } from './directory/directory-store.js';
import { KeyPackageMemo } from './directory/keypackage-memo.js';
import { GroupActivity } from './groups/group-activity.js';
import { queueOlderMail } from './mailbox/mailbox.js';
import { maintainGateway } from './maintain.js';
import { createGatewayMetrics } from './metrics.js';
import { gatewayNip11 } from './nip11.js';
import { forgetDeletedEvents, keepGatewayState } from './observers.js';
import { rejectInvalidKeyPackages } from './policies/keypackage-policy.js';
import { limitGatewayKinds } from './policies/kind-rate-limits.js';
import { rejectMalformedMessages } from './policies/message-shape.js';
import { rejectAccountKeyGroupMessages, rejectPredecessorKinds } from './policies/profile-policy.js';
import { rejectRosterChanges, requireGroupMembership } from './policies/roster-policy.js';
import { reserveRosterChange } from './policies/roster-reserve.js';
import { groupMembersOnly, rejectNonMemberGroupFilters } from './policies/roster-read.js';
import { RosterCache } from './roster/roster-cache.js';
import { createMlsRoutes, MLS_API_PREFIX } from './routes/plugin.js';
import type { RouteDeps } from './routes/route-deps.js';
import { timedKv } from './timed-kv.js';
import { GATEWAY_KINDS, RECIPIENT_ONLY_GATEWAY_KINDS } from './kinds.js';

/** Options for tests and embedding. */
export type MlsGatewayOptions = {
  /** Clock in unix seconds; default: the system clock. */
  now?: () => number;
};

/** The gateway after registration (exposed for tests and maintenance). */
export type MlsGateway = RelayExtension & {
  /** The shared context once registered and enabled. */
  context(): GatewayContext | undefined;
};

function registerPolicies(hooks: RelayHooks, ctx: GatewayContext, deps: ExtensionDeps): void {
  // Budgets first: a refused event costs no validation. The core's rate-limit counter, when registered.
  const counter = deps.metrics.getSingleMetric('nostr_relay_rate_limited_total') as Counter<'scope'> | undefined;
  hooks.chargeEvent.push(limitGatewayKinds(liveMlsGatewayConfig(deps.liveConfig), counter ? { counter } : {}));
  if (ctx.cfg.profile === 'strict') {
    if (!ctx.cfg.predecessor_kinds) hooks.rejectEvent.push(rejectPredecessorKinds(ctx));
    hooks.rejectEvent.push(rejectAccountKeyGroupMessages(ctx, deps.isAllowed));
  }
  hooks.rejectEvent.push(rejectMalformedMessages(ctx), rejectInvalidKeyPackages(ctx), rejectRosterChanges(ctx));
  hooks.reserveEvent.push(reserveRosterChange(ctx));
  if (ctx.cfg.membership === 'roster') {
    hooks.rejectEvent.push(requireGroupMembership(ctx));
    hooks.rejectFilter.push(rejectNonMemberGroupFilters(ctx));
    hooks.readGates.push(groupMembersOnly(ctx));
  }
  hooks.onEventSaved.push(keepGatewayState(ctx));
  hooks.onEventsDeleted.push(forgetDeletedEvents(ctx));
  if (ctx.cfg.consume_on_fetch) hooks.overwriteResults.push(claimKeyPackagesOnFetch(ctx));
}

/**
 * The MLS gateway extension: validates the MLS-over-Nostr kinds, keeps the KeyPackage
 * directory, group registry, rosters and mailbox, gates group reads in roster mode, and serves
 * the REST API under /api/v1/mls. Disabled (`enabled = false`) it registers nothing and its
 * routes answer 503.
 */
export function createMlsGateway(opts: MlsGatewayOptions = {}): MlsGateway {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  let routeDeps: RouteDeps | undefined;
  let cfg = defaultMlsGatewayConfig();
  return {
    name: 'mls-gateway',
    config: mlsGatewayConfig,
    async register(hooks: RelayHooks, deps: ExtensionDeps) {
      cfg = readMlsGatewayConfig(deps.config);
      if (!cfg.enabled) {
        deps.logger.info('mls gateway disabled by config');
        return;
      }
      const metrics = createGatewayMetrics(deps.metrics);
      const kv = timedKv(deps.kv, metrics.dbOperationDuration);
      const rosters = new RosterCache(kv);
      await rosters.load();
      // Roster changes made on other instances reach this one's read gate within a second or so.
      if (cfg.membership === 'roster') rosters.startSync(deps.logger);
      const ctx: GatewayContext = {
        cfg,
        kv,
        events: deps.events,
        removeEvents: deps.removeEvents,
        metrics,
        logger: deps.logger,
        rosters,
        keyPackages: new KeyPackageMemo(cfg.keypackage_ttl, cfg.profile),
        groupActivity: new GroupActivity(kv, { shards: cfg.group_activity_shards, logger: deps.logger }),
        now,
      };
      registerPolicies(hooks, ctx, deps);
      // Noise DMs and KeyPackage requests are addressed like gift wraps: only their recipients read or delete them.
      deps.recipientOnly(RECIPIENT_ONLY_GATEWAY_KINDS);
      deps.labelKinds([...GATEWAY_KINDS, 10051]);
      const queued = await queueOlderMail(ctx);
      if (queued > 0) deps.logger.info({ queued }, 'mailbox entries filed before the time-ordered queue were queued');
      // So the low-pool gauge means something before the first maintenance pass.
      await updateLowPoolGauge(ctx, now());
      routeDeps = { ctx, authenticateHttp: deps.authenticateHttp, authenticateAdmin: deps.authenticateAdmin, reads: deps.reads };
      deps.logger.info(
        { membership: cfg.membership, profile: cfg.profile, consumeOnFetch: cfg.consume_on_fetch },
        'mls gateway registered',
      );
    },
    routes: { prefix: MLS_API_PREFIX, plugin: createMlsRoutes(() => routeDeps) },
    nip11: () => gatewayNip11(cfg),
    async maintain(at: number) {
      if (routeDeps) await maintainGateway(routeDeps.ctx, at);
    },
    async close() {
      routeDeps?.ctx.rosters.close();
      // Before the store closes: the counts of the last second are written.
      await routeDeps?.ctx.groupActivity.close();
    },
    context: () => routeDeps?.ctx,
  };
}
