import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { nip19 } from 'nostr-tools';
import type { AccessControl } from '../../auth/access-control.js';
import { AdminParamsError, runAdminMethod } from '../../auth/admin-methods.js';
import { closeAdminSession, openAdminSession, redeemAdminLink } from '../../auth/admin-session.js';
import { describeConfig } from '../../config/describe.js';
import { shortKey, toHexPubkey } from '../../config/pubkeys.js';
import type { ConfigExtension } from '../../config/relay-schema.js';
import type { RelayConfig } from '../../config/types.js';
import type { SessionRegistry } from '../../relay/sessions.js';
import type { EventStore, KeyValueStore } from '../../storage/types.js';
import { VERSION } from '../../version.js';
import { runHealthChecks, type HealthChecks } from '../health.js';
import { bearerToken, type AdminCaller } from './auth.js';
import { AdminHttpError, sendAdminError } from './errors.js';
import { liveByPubkey, membersView, type LiveCount } from './members.js';
import { figures, sampleCounters, type CounterHistory } from './overview.js';

/** Where the admin API is mounted. */
export const ADMIN_API_PREFIX = '/api/v1/admin';

/** Sign-in link exchanges per IP per minute (a link is 256 random bits; this only keeps the logs quiet). */
export const ADMIN_LINK_EXCHANGES_PER_MINUTE = 10;

/** Options of the admin API plugin. */
export type AdminApiOptions = {
  access: AccessControl;
  kv: KeyValueStore;
  store: EventStore;
  sessions: SessionRegistry;
  registry: Registry;
  history: CounterHistory;
  /** The live config (as of the last reload of the file). */
  config: () => RelayConfig;
  /** The extensions whose sections the config page lists. */
  extensions: readonly ConfigExtension[];
  backend: string;
  startedAt: number;
  health: HealthChecks;
  authenticate: (req: FastifyRequest) => Promise<AdminCaller>;
  logger: Logger;
  clock?: () => number;
};

function pubkeyParam(raw: string): string {
  const hex = toHexPubkey(decodeURIComponent(raw));
  if (!hex) throw new AdminHttpError('RELAY_ERR_ADMIN_BAD_PUBKEY');
  return hex;
}

function reasonQuery(q: unknown): string | undefined {
  const r = (q as { reason?: unknown } | undefined)?.reason;
  return typeof r === 'string' && r.trim() !== '' ? r.trim().slice(0, 500) : undefined;
}

/** POST /session (link → session token) and DELETE /session (sign out). */
function sessionRoutes(app: FastifyInstance, opts: AdminApiOptions, clock: () => number, log: Logger): void {
  const limit = { rateLimit: { max: ADMIN_LINK_EXCHANGES_PER_MINUTE, timeWindow: 60_000 } };
  app.post<{ Body: { link?: unknown } }>('/session', { config: limit }, async (req) => {
    const pubkey = await redeemAdminLink(opts.kv, req.body?.link, clock());
    if (!pubkey) {
      log.info('admin link refused');
      throw new AdminHttpError('RELAY_ERR_ADMIN_LINK_REFUSED');
    }
    if (!opts.access.isAdmin(pubkey)) throw new AdminHttpError('RELAY_ERR_ADMIN_NOT_ADMIN');
    const session = await openAdminSession(opts.kv, pubkey, clock());
    log.info({ admin: shortKey(pubkey) }, 'admin link used, console session opened');
    return { token: session.token, pubkey, npub: nip19.npubEncode(pubkey), expires_at: session.expiresAt };
  });
  app.delete('/session', async (req) => {
    await closeAdminSession(opts.kv, bearerToken(req.headers.authorization));
    return { ok: true };
  });
}

/** Member changes through the NIP-86 methods (one mechanism); a ban reports the live access it ended. */
function memberRoutes(app: FastifyInstance, opts: AdminApiOptions, log: Logger): void {
  type P = { Params: { pubkey: string }; Querystring: { reason?: string } };
  const run = async (req: FastifyRequest, method: string, pubkey: string, reason?: string) => {
    const caller = await opts.authenticate(req);
    try {
      await runAdminMethod(method, reason ? [pubkey, reason] : [pubkey], { access: opts.access });
    } catch (err) {
      if (err instanceof AdminParamsError && method === 'unallowpubkey') throw new AdminHttpError('RELAY_ERR_ADMIN_STILL_ALLOWED');
      throw err;
    }
    log.info({ admin: shortKey(caller.pubkey), method, pubkey: shortKey(pubkey) }, 'admin console call');
  };
  app.post<P>('/members/:pubkey', async (req) => {
    const pubkey = pubkeyParam(req.params.pubkey);
    await run(req, 'allowpubkey', pubkey, reasonQuery(req.query));
    return { ok: true, pubkey, allowed: opts.access.isAllowed(pubkey) };
  });
  app.delete<P>('/members/:pubkey', async (req) => {
    const pubkey = pubkeyParam(req.params.pubkey);
    await run(req, 'unallowpubkey', pubkey);
    return { ok: true, pubkey, allowed: opts.access.isAllowed(pubkey) };
  });
  app.post<P>('/bans/:pubkey', async (req) => {
    const pubkey = pubkeyParam(req.params.pubkey);
    const before: LiveCount = liveByPubkey(opts.sessions.all()).get(pubkey) ?? { connections: 0, subscriptions: 0 };
    await run(req, 'banpubkey', pubkey, reasonQuery(req.query));
    const after: LiveCount = liveByPubkey(opts.sessions.all()).get(pubkey) ?? { connections: 0, subscriptions: 0 };
    return {
      ok: true,
      pubkey,
      banned: opts.access.isBanned(pubkey),
      revoked: { connections: before.connections - after.connections, subscriptions: before.subscriptions - after.subscriptions },
    };
  });
  app.delete<P>('/bans/:pubkey', async (req) => {
    const pubkey = pubkeyParam(req.params.pubkey);
    await run(req, 'unbanpubkey', pubkey);
    return { ok: true, pubkey, banned: opts.access.isBanned(pubkey), allowed: opts.access.isAllowed(pubkey) };
  });
}

/** GET /whoami, /overview, /members, /config: read-only views. */
function viewRoutes(app: FastifyInstance, opts: AdminApiOptions): void {
  app.get('/whoami', async (req) => {
    const caller = await opts.authenticate(req);
    return { pubkey: caller.pubkey, npub: nip19.npubEncode(caller.pubkey), via: caller.via };
  });
  app.get('/overview', async (req) => {
    await opts.authenticate(req);
    const { healthy, checks } = await runHealthChecks(opts.health);
    const current = await sampleCounters(opts.registry, opts.sessions.size);
    return {
      status: healthy ? 'healthy' : 'unhealthy',
      checks,
      version: VERSION,
      uptime_seconds: Math.floor((Date.now() - opts.startedAt) / 1000),
      backend: opts.backend,
      connections: opts.sessions.size,
      ...figures(opts.history.all(), current),
    };
  });
  app.get('/members', async (req) => {
    await opts.authenticate(req);
    return membersView(opts.access, opts.sessions.all(), opts.store);
  });
  app.get('/config', async (req) => {
    await opts.authenticate(req);
    const config = opts.config();
    return { file: config.file ?? null, keys: describeConfig(config, opts.extensions) };
  });
}

/**
 * The admin API under /api/v1/admin: every route but POST /session needs an admin (NIP-98 or a
 * console session, see auth.ts); all are under the relay's HTTP rate limit. Encapsulated: its
 * error handler stays inside.
 */
export const adminApiPlugin: FastifyPluginAsync<AdminApiOptions> = async (app, opts) => {
  const clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  const log = opts.logger.child({ component: 'admin' });
  app.setErrorHandler(sendAdminError);
  sessionRoutes(app, opts, clock, log);
  memberRoutes(app, opts, log);
  viewRoutes(app, opts);
};
