import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { AccessControl } from '../auth/access-control.js';
import { AdminParamsError, isAdminMethod, runAdminMethod } from '../auth/admin-methods.js';
import type { AuthMetrics } from '../auth/metrics.js';
import { checkHttpAuth } from '../auth/nip98.js';
import type { ReplayCache } from '../auth/replay-cache.js';
import { shortKey } from '../config/pubkeys.js';

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
  replay?: ReplayCache;
  /** Unix seconds now (tests). */
  clock?: () => number;
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
  // Keep the raw bytes: the NIP-98 payload tag is the sha256 of exactly what was sent.
  app.addContentTypeParser(NIP86_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      return answer(reply, 415, { error: `invalid: Content-Type must be ${NIP86_CONTENT_TYPE}` });
    }
    const body = req.body;
    const auth = checkHttpAuth(req.headers.authorization, {
      url: opts.relayHttpUrl,
      method: 'POST',
      body,
      nowSeconds: clock(),
      ...(opts.replay ? { replay: opts.replay } : {}),
    });
    if (typeof auth !== 'string') {
      opts.metrics?.authFailures.inc({ reason: 'nip98' });
      log.info({ why: auth.message }, 'management call refused: not authenticated');
      return answer(reply, 401, { error: `${auth.prefix}: ${auth.message}` });
    }
    if (!opts.access.isAdmin(auth)) {
      opts.metrics?.authFailures.inc({ reason: 'nip86-not-admin' });
      log.warn({ pubkey: shortKey(auth) }, 'management call refused: not an admin');
      return answer(reply, 403, { error: 'restricted: this pubkey is not a relay admin' });
    }
    const rpc = parseRpc(body);
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
