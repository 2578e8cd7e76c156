import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

const rawBodies = new WeakMap<IncomingMessage, string>();

/**
 * Replaces the JSON body parser of `app` (and the plugins registered after it) with one that
 * keeps the request text as sent. NIP-98's payload tag is the sha256 of the body bytes; hashing a
 * re-serialisation instead refuses any client whose JSON has whitespace or escapes, and Ajv's
 * type coercion mutates the parsed body. Parsing itself stays fastify's (prototype-poisoning safe).
 */
export function keepRawJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    rawBodies.set(req.raw, body as string);
    parse(req, body as string, done);
  });
}

/** The JSON body of a request exactly as received, when `keepRawJsonBodies` parsed it. */
export function rawJsonBody(req: IncomingMessage): string | undefined {
  return rawBodies.get(req);
}
