import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RelayError, type ReasonPrefix } from '../../nostr/reasons.js';

/** One entry of the admin API's error catalogue: a code, an HTTP status, a reason prefix and a message safe to show. */
type CatalogueEntry = { statusCode: number; prefix: ReasonPrefix; message: string };

/** The admin API's errors (`RELAY_ERR_ADMIN_<WHAT>`). Messages are fixed: no driver or exception text reaches a client. */
export const ADMIN_ERRORS = {
  RELAY_ERR_ADMIN_UNAUTHENTICATED: { statusCode: 401, prefix: 'auth-required', message: 'sign in: send a NIP-98 token or a console session' },
  RELAY_ERR_ADMIN_NOT_ADMIN: { statusCode: 403, prefix: 'restricted', message: 'this pubkey is not a relay admin' },
  RELAY_ERR_ADMIN_LINK_REFUSED: { statusCode: 401, prefix: 'auth-required', message: 'this sign-in link is unknown, expired or already used; ask for a new one' },
  RELAY_ERR_ADMIN_BAD_PUBKEY: { statusCode: 400, prefix: 'invalid', message: 'not an npub or 64-hex pubkey' },
  RELAY_ERR_ADMIN_STILL_ALLOWED: { statusCode: 409, prefix: 'invalid', message: 'removed the API allow, but the config file or admin_pubkeys still allows this pubkey (edit the file, or ban it)' },
  RELAY_ERR_ADMIN_NOT_FOUND: { statusCode: 404, prefix: 'invalid', message: 'not found' },
  RELAY_ERR_ADMIN_UNAVAILABLE: { statusCode: 503, prefix: 'error', message: 'a dependency failed, try again' },
  RELAY_ERR_ADMIN_INTERNAL: { statusCode: 500, prefix: 'error', message: 'internal error, try again' },
} as const satisfies Record<string, CatalogueEntry>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** An admin API error from the catalogue; thrown, serialised by sendAdminError as `{ error, code, message }`. */
export class AdminHttpError extends Error {
  readonly statusCode: number;
  readonly prefix: ReasonPrefix;
  constructor(
    readonly code: AdminErrorCode,
    message?: string,
  ) {
    const entry: CatalogueEntry = ADMIN_ERRORS[code];
    super(message ?? entry.message);
    this.name = 'AdminHttpError';
    this.statusCode = entry.statusCode;
    this.prefix = entry.prefix;
  }
}

const STATUS: Partial<Record<ReasonPrefix, number>> = { 'auth-required': 401, restricted: 403, invalid: 400, 'rate-limited': 429, error: 503 };

/**
 * Error handler of the admin API: catalogue errors as they are, relay reasons (NIP-98 refusals)
 * mapped to 401/403/503, schema and rate-limit errors to 400/429; anything else is logged and
 * answered with a fixed 500 text.
 */
export function sendAdminError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof AdminHttpError) {
    void reply.code(err.statusCode).send({ error: err.prefix, code: err.code, message: err.message });
  } else if (err instanceof RelayError) {
    void reply.code(STATUS[err.prefix] ?? 500).send({ error: err.prefix, message: err.message });
  } else if (err.validation) {
    void reply.code(400).send({ error: 'invalid', message: err.message });
  } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    void reply.code(err.statusCode).send({ error: err.statusCode === 429 ? 'rate-limited' : 'invalid', message: err.message });
  } else {
    req.log.error({ err: err.message, url: req.url.split('?')[0] }, 'admin route failed');
    const e = ADMIN_ERRORS.RELAY_ERR_ADMIN_INTERNAL;
    void reply.code(e.statusCode).send({ error: e.prefix, code: 'RELAY_ERR_ADMIN_INTERNAL', message: e.message });
  }
}
