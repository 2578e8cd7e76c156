import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RelayError, type ReasonPrefix } from '../../../src/nostr/reasons.js';

/** HTTP status of each reason prefix the gateway's routes may meet. */
const STATUS: Partial<Record<ReasonPrefix, number>> = {
  'auth-required': 401,
  restricted: 403,
  blocked: 403,
  invalid: 400,
  'rate-limited': 429,
  unsupported: 400,
  // A dependency (the store) failed: try again.
  error: 503,
};

/** An error a route throws on purpose: a reason prefix, a status and a message safe to show. */
export class GatewayHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly prefix: ReasonPrefix,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayHttpError';
  }
}

/** A 404 with a reason. */
export function notFound(what: string): GatewayHttpError {
  return new GatewayHttpError(404, 'invalid', `${what} not found`);
}

/**
 * Error handler of the gateway's plugin: every error becomes `{ error: <prefix>, message }`.
 * Relay reasons map to 401/403/400/429; schema failures are 400 with fastify's message (which
 * names the field); anything unexpected is logged and answered with a fixed 500 text.
 */
export function sendGatewayError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof GatewayHttpError) {
    void reply.code(err.statusCode).send({ error: err.prefix, message: err.message });
  } else if (err instanceof RelayError) {
    void reply.code(STATUS[err.prefix] ?? 500).send({ error: err.prefix, message: err.message });
  } else if (err.validation) {
    void reply.code(400).send({ error: 'invalid', message: err.message });
  } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const prefix = err.statusCode === 429 ? 'rate-limited' : 'invalid';
    void reply.code(err.statusCode).send({ error: prefix, message: err.message });
  } else {
    req.log.error({ err: err.message, url: req.url }, 'mls gateway route failed');
    void reply.code(500).send({ error: 'error', message: 'internal error, try again' });
  }
}
