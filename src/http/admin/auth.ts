import type { FastifyRequest } from 'fastify';
import type { AccessControl } from '../../auth/access-control.js';
import { sessionPubkey } from '../../auth/admin-session.js';
import type { AuthMetrics } from '../../auth/metrics.js';
import { checkHttpAuth } from '../../auth/nip98.js';
import type { ReplayGuard } from '../../auth/shared-replay.js';
import type { KeyValueStore } from '../../storage/types.js';
import { rawJsonBody } from '../raw-body.js';
import { AdminHttpError } from './errors.js';

/** How an admin request was authenticated. */
export type AdminCaller = { pubkey: string; via: 'nip98' | 'session' };

/** Options of adminAuthenticator. */
export type AdminAuthOptions = {
  access: AccessControl;
  kv: KeyValueStore;
  /** The relay's public http(s) URL: NIP-98 `u` is its origin + the request path and query. */
  relayHttpUrl: string;
  replay?: ReplayGuard;
  /** The client's IP (behind a proxy: the forwarded one), for the NIP-98 rule on reusing a read's token. */
  clientIp?: (req: FastifyRequest) => string;
  metrics?: AuthMetrics;
  /** Unix seconds now (tests). */
  clock?: () => number;
};

/** The bearer token of `Authorization: Bearer <token>`, if that is the scheme used. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

/**
 * The one admin check of the admin API and the gateway's admin routes: a NIP-98 token (the same
 * verification, replay guard and `u` rule as NIP-86) or a console session opened with a one-time
 * link; then the pubkey must be a config admin that is not banned. Throws AdminHttpError (401/403)
 * or the NIP-98 RelayError.
 */
export function adminAuthenticator(opts: AdminAuthOptions): (req: FastifyRequest) => Promise<AdminCaller> {
  const origin = new URL(opts.relayHttpUrl).origin;
  const clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  return async (req) => {
    const header = req.headers.authorization;
    const token = bearerToken(header);
    let caller: AdminCaller;
    if (token !== undefined) {
      const pubkey = await sessionPubkey(opts.kv, token, clock());
      if (!pubkey) {
        opts.metrics?.authFailures.inc({ reason: 'admin-session' });
        throw new AdminHttpError('RELAY_ERR_ADMIN_UNAUTHENTICATED', 'the console session ended or is unknown; sign in again');
      }
      caller = { pubkey, via: 'session' };
    } else {
      if (!header) throw new AdminHttpError('RELAY_ERR_ADMIN_UNAUTHENTICATED');
      const raw = rawJsonBody(req.raw);
      const result = await checkHttpAuth(header, {
        url: `${origin}${req.url}`,
        method: req.method,
        ...(raw !== undefined && raw.length > 0 ? { body: Buffer.from(raw) } : {}),
        nowSeconds: clock(),
        ...(opts.replay ? { replay: opts.replay } : {}),
        // The relay's one reuse rule: a GET's token may be used again by the same IP within its window; changes are single use.
        isRead: req.method === 'GET',
        ip: opts.clientIp ? opts.clientIp(req) : req.ip,
      });
      if (typeof result !== 'string') {
        if (result.prefix !== 'error') opts.metrics?.authFailures.inc({ reason: 'nip98' });
        throw result;
      }
      caller = { pubkey: result, via: 'nip98' };
    }
    if (!opts.access.isAdmin(caller.pubkey)) {
      opts.metrics?.authFailures.inc({ reason: 'admin-not-admin' });
      throw new AdminHttpError('RELAY_ERR_ADMIN_NOT_ADMIN');
    }
    return caller;
  };
}
