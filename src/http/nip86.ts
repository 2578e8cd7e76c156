import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AccessControl } from '../auth/access-control.js';
import { AdminParamsError, isAdminMethod, isReadMethod, runAdminMethod } from '../auth/admin-methods.js';
import type { AuthMetrics } from '../auth/metrics.js';
import { checkHttpAuth, relayWsUrl } from '../auth/nip98.js';
import type { ReplayGuard } from '../auth/shared-replay.js';
import { shortKey } from '../config/pubkeys.js';
import { RelayError } from '../nostr/reasons.js';
import { rawJsonBody } from './raw-body.js';

/** NIP-86 content type. */
export const NIP86_CONTENT_TYPE = 'application/nostr+json+rpc';

/** Options of the NIP-86 plugin. */
export type Nip86Options = {
  access: AccessControl;
  /** The relay's public http(s) URL (server.url with ws→http, wss→https): what NIP-98 `u` must say. */
  relayHttpUrl: string;
  logger: Logger;
  /** Called after `banevent` persisted the ban: remove the stored copies. */
  onBanEvent?: (id: string) => Promise<void> | void;
  metrics?: AuthMetrics;
  /** NIP-98 replay cache (defaults to the process-wide one). */
  replay?: ReplayGuard;
  /** Unix seconds now (tests). */
  clock?: () => number;
  /** The client IP of a request (X-Forwarded-For aware when configured). Default: fastify's `req.ip`. */
  clientIp?: (req: FastifyRequest) => string;
};

type RpcBody = { method: string; params: unknown[] };

function parseRpc(raw: Buffer): RpcBody | string {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'body must be JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object';
  const { method, params } = value as Record<string, unknown>;
  if (typeof method !== 'string') return 'method must be a string';
  if (params !== undefined && !Array.isArray(params)) return 'params must be an array';
  return { method, params: (params as unknown[] | undefined) ?? [] };
}

function answer(reply: FastifyReply, status: number, body: { result?: unknown; error?: string }) {
  return reply
    .code(status)
    .header('access-control-allow-origin', '*')
    .type('application/json')
    .send(JSON.stringify({ result: body.result ?? null, ...(body.error ? { error: body.error } : {}) }));
}

/**
 * NIP-86 relay management over HTTP: POST / (the relay's own URI) with Content-Type
 * application/nostr+json+rpc and a NIP-98 Authorization whose `payload` covers the body.
 * 401 without a valid NIP-98 header, 403 when the signer is not an admin, 400 for a malformed
 * call or unsupported method, else 200 with `{"result": …}`. Encapsulated: its content-type
 * parser does not leak to other routes.
 */
export const nip86Plugin: FastifyPluginAsync<Nip86Options> = async (app, opts) => {
  if (!opts.access || !opts.relayHttpUrl) throw new Error('RELAY_ERR_NIP86_OPTIONS: access and relayHttpUrl are required');
  const log = opts.logger.child({ component: 'nip86' });
  const clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  // NIP-86 serves "the same URI as the relay's websocket": some clients sign that ws(s) URL as `u`.
  const alsoUrls = [relayWsUrl(opts.relayHttpUrl)];
  // Keep the raw bytes: the NIP-98 payload tag is the sha256 of exactly what was sent.
  app.addContentTypeParser(NIP86_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      return answer(reply, 415, { error: `invalid: Content-Type must be ${NIP86_CONTENT_TYPE}` });
    }
    const body = req.body;
    // Parsed before the auth check only to tell a read from a state-changing call (token reuse).
    const rpc = parseRpc(body);
    const auth = await checkHttpAuth(req.headers.authorization, {
      url: opts.relayHttpUrl,
      alsoUrls,
      method: 'POST',
      body,
      nowSeconds: clock(),
      isRead: typeof rpc !== 'string' && isReadMethod(rpc.method),
      ip: opts.clientIp ? opts.clientIp(req) : req.ip,
      ...(opts.replay ? { replay: opts.replay } : {}),
    });
    if (typeof auth !== 'string') {
      if (auth.prefix === 'error') return answer(reply, 503, { error: `${auth.prefix}: ${auth.message}` });
      opts.metrics?.authFailures.inc({ reason: 'nip98' });
      log.info({ why: auth.message }, 'management call refused: not authenticated');
      return answer(reply, 401, { error: `${auth.prefix}: ${auth.message}` });
    }
    if (!opts.access.isAdmin(auth)) {
      opts.metrics?.authFailures.inc({ reason: 'nip86-not-admin' });
      log.warn({ pubkey: shortKey(auth) }, 'management call refused: not an admin');
      return answer(reply, 403, { error: 'restricted: this pubkey is not a relay admin' });
    }
    if (typeof rpc === 'string') return answer(reply, 400, { error: `invalid: ${rpc}` });
    if (!isAdminMethod(rpc.method)) {
      return answer(reply, 400, { error: `unsupported: method ${JSON.stringify(rpc.method.slice(0, 64))}` });
    }
    try {
      const result = await runAdminMethod(rpc.method, rpc.params, { access: opts.access, onBanEvent: opts.onBanEvent });
      log.info({ admin: shortKey(auth), method: rpc.method }, 'management call');
      return answer(reply, 200, { result });
    } catch (err) {
      if (err instanceof AdminParamsError) return answer(reply, 400, { error: `invalid: ${err.message}` });
      log.error({ admin: shortKey(auth), method: rpc.method, err: (err as Error).message }, 'management call failed');
      return answer(reply, 500, { error: 'error: the change could not be saved, try again' });
    }
  });
};

/** Options of httpAuthenticator. */
export type HttpAuthenticatorOptions = {
  access: AccessControl;
  /** The relay's public http(s) URL; the request path and query are resolved against its origin. */
  relayHttpUrl: string;
  /** auth.required: the NIP-98 pubkey must also be allowed. */
  required: boolean;
  metrics?: AuthMetrics;
  replay?: ReplayGuard;
  clock?: () => number;
  /** The client IP of a request (X-Forwarded-For aware when configured). Default: fastify's `req.ip`. */
  clientIp?: (req: FastifyRequest) => string;
};

/** How the caller of an authenticated HTTP request uses it: `isRead` when the route changes nothing. */
export type HttpAuthUse = { isRead: boolean };

function rawBody(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  // Routes with fastify's JSON parser lose the raw bytes; clients (nostr-tools getToken) hash JSON.stringify(body).
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * Builds ExtensionDeps.authenticateHttp: resolves the NIP-98 pubkey of a request (URL = public
 * origin + request path and query) and, when auth is required, checks it is allowed. The caller
 * states whether the route only reads (`use.isRead`; default: a write, single-use token). Throws a
 * RelayError (`auth-required` → answer 401, `restricted` → 403).
 */
export function httpAuthenticator(opts: HttpAuthenticatorOptions): (req: FastifyRequest, use?: HttpAuthUse) => Promise<string> {
  const origin = new URL(opts.relayHttpUrl).origin;
  const clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  return async (req, use) => {
    // The bytes as sent when the JSON parser kept them (src/http/raw-body.ts): the payload tag hashes those.
    const raw = rawJsonBody(req.raw);
    const body = raw !== undefined ? Buffer.from(raw) : rawBody(req.body);
    const result = await checkHttpAuth(req.headers.authorization, {
      url: `${origin}${req.url}`,
      method: req.method,
      ...(body ? { body } : {}),
      nowSeconds: clock(),
      isRead: use?.isRead === true,
      ip: opts.clientIp ? opts.clientIp(req) : req.ip,
      ...(opts.replay ? { replay: opts.replay } : {}),
    });
    if (typeof result !== 'string') {
      if (result.prefix !== 'error') opts.metrics?.authFailures.inc({ reason: 'nip98' });
      throw result;
    }
    if (opts.access.isBanned(result) || (opts.required && !opts.access.isAllowed(result))) {
      opts.metrics?.authFailures.inc({ reason: 'restricted' });
      throw new RelayError('restricted', 'this pubkey is not allowed on this relay');
    }
    return result;
  };
}
