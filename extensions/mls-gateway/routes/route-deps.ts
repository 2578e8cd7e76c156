import type { FastifyRequest } from 'fastify';
import type { NostrEvent } from '../../../src/nostr/event.js';
import type { Filter } from '../../../src/nostr/filter.js';
import { RelayError } from '../../../src/nostr/reasons.js';
import type { CoreReads } from '../../../src/relay/extension.js';
import { requestContext, type SessionContext } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { GatewayHttpError } from './http-errors.js';

/** What the routes need, available once the extension is registered. */
export type RouteDeps = {
  ctx: GatewayContext;
  authenticateHttp: (req: FastifyRequest, use?: { isRead: boolean }) => Promise<string>;
  /** Resolves a relay admin's pubkey (NIP-98 or console session), or throws; absent when the core offers none. */
  authenticateAdmin?: (req: FastifyRequest) => Promise<string>;
  /** The core's read pipeline: every event a route hands out passes its gates. */
  reads: CoreReads;
};

/** Resolves the deps at request time (routes may be mounted before registration, or the gateway disabled). */
export type DepsSource = () => RouteDeps | undefined;

/**
 * The caller of a request: NIP-98 authenticated and allowlisted, with its read context. Each route
 * states whether it only reads (`isRead`: its token may be used again by the same client, as
 * clients re-sign identical tokens for the same read) or changes state (single-use token).
 */
export async function caller(
  source: DepsSource,
  req: FastifyRequest,
  use: { isRead: boolean },
): Promise<{ deps: RouteDeps; pubkey: string; reader: SessionContext }> {
  const deps = source();
  if (!deps) throw new GatewayHttpError(503, 'error', 'the MLS gateway is not enabled on this relay');
  const pubkey = await deps.authenticateHttp(req, use);
  return { deps, pubkey, reader: requestContext(req.ip, pubkey) };
}

/**
 * Filters a route built, authorized as a REQ of `reader` by the core (rejectFilter, charges,
 * narrowing): the narrowed filters, or the refusal as an HTTP error (403 restricted:, 401 auth-required:, 429).
 */
export async function authorizeRead(deps: RouteDeps, reader: SessionContext, filters: Filter[]): Promise<Filter[]> {
  const allowed = await deps.reads.authorize(reader, filters, 'REQ');
  if (!Array.isArray(allowed)) throw new RelayError(allowed.prefix, allowed.message);
  return allowed;
}

/** Stored events of route-built filters as `reader` may see them: authorized, gated, handed out. */
export async function readAs(deps: RouteDeps, reader: SessionContext, filters: Filter[]): Promise<NostrEvent[]> {
  return deps.reads.read(reader, await authorizeRead(deps, reader, filters));
}
