/**
 * A gateway registered into real hook slots over a real SQLite storage and the relay's real core
 * (createRelayCore: the same publish, read and count pipeline every transport uses, here without a
 * socket), and a fastify app with the REST routes behind real NIP-98 checks.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { getToken, unpackEventFromToken, validateEvent } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import type { NostrEvent, VerifiedEvent } from '../../src/nostr/event.js';
import type { Filter } from '../../src/nostr/filter.js';
import { ACCEPT, RelayError, type Decision } from '../../src/nostr/reasons.js';
import { createHooks, type RelayHooks, type SessionContext } from '../../src/relay/hooks.js';
import { createRelayCore } from '../../src/relay/core/create.js';
import type { RelayCore } from '../../src/relay/core/core.js';
import { registerRecipientOnlyKinds } from '../../src/relay/policies/auth.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { loadRelayConfig } from '../../src/load-relay-config.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { SaveStatus, Storage } from '../../src/storage/types.js';
import { createMlsGateway, type MlsGateway } from '../../extensions/mls-gateway/gateway.js';
import type { MlsGatewayConfig } from '../../extensions/mls-gateway/config.js';
import type { GatewayContext } from '../../extensions/mls-gateway/context.js';
import { signed, type Identity } from '../helpers.js';

/** Where the fixture's fastify app claims to live (NIP-98 `u` tags). */
export const API_ORIGIN = 'http://relay.test';

/** A registered gateway and the parts around it. */
export type GatewayFixture = {
  gateway: MlsGateway;
  ctx: GatewayContext;
  hooks: RelayHooks;
  core: RelayCore;
  storage: Storage;
  registry: Registry;
  app: FastifyInstance;
  /** Moves the gateway's clock (unix seconds). */
  clock: { now: number };
  canRead(session: SessionContext, ev: NostrEvent): boolean;
  /** The core's publish pipeline (policies, charges, reservations, commit, observers), for an event already verified. */
  publish(session: SessionContext, ev: VerifiedEvent): Promise<Decision & { status?: SaveStatus }>;
  /** The core's REQ path: authorize (rejectFilter, narrowing), gated read, overwriteResults. */
  req(session: SessionContext, filters: Filter[]): Promise<Decision & { events: NostrEvent[] }>;
  /** A NIP-09 deletion of `ids` (and `a` coordinates) by `who`, published through the core. */
  deleteAs(who: Identity, ids: string[], addresses?: { kind: number; pubkey: string; d: string }[]): Promise<void>;
  /** A REST call with a NIP-98 header signed by `who` (none when `who` is undefined). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response bodies loosely
  call(who: Identity | undefined, method: 'GET' | 'POST', path: string, body?: object): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
};

/** A session authenticated as `who` (or anonymous). */
export function sessionOf(...who: Identity[]): SessionContext {
  return { connId: `c-${Math.random()}`, ip: '127.0.0.1', authed: new Set(who.map((w) => w.pk)) };
}

/** Real NIP-98 verification against `allowed` (what the core's authenticateHttp does). */
function nip98Auth(allowed: () => Set<string>) {
  return async (req: FastifyRequest): Promise<string> => {
    const header = req.headers.authorization;
    if (!header) throw new RelayError('auth-required', 'NIP-98 Authorization header required');
    try {
      const ev = await unpackEventFromToken(header);
      await validateEvent(ev, `${API_ORIGIN}${req.url}`, req.method, req.method === 'POST' ? req.body : undefined);
      if (!allowed().has(ev.pubkey)) throw new RelayError('restricted', 'pubkey is not on the allowlist');
      return ev.pubkey;
    } catch (err) {
      if (err instanceof RelayError) throw err;
      throw new RelayError('auth-required', 'invalid NIP-98 token');
    }
  };
}

/** Registers a gateway with `config` over `storage` (default: a fresh :memory: SQLite storage). */
export async function gatewayFixture(
  config: Partial<MlsGatewayConfig>,
  allowed: Identity[] = [],
  given?: Storage,
): Promise<GatewayFixture> {
  const storage = given ?? (await openSqliteStorage({ path: ':memory:' }));
  const hooks = createHooks();
  const metrics = createMetrics();
  const registry = metrics.registry;
  const clock = { now: Math.floor(Date.now() / 1000) };
  const gateway = createMlsGateway({ now: () => clock.now });
  const allowSet = new Set(allowed.map((a) => a.pk));
  const access = { isAllowed: (pk: string) => allowSet.has(pk), isBanned: () => false };
  const logger = pino({ level: 'silent' });
  const relayConfig = loadRelayConfig({ file: null, env: {}, overrides: { auth: { required: false } } });
  // Events reach the fixture already signed by real keys: the core's check step is not under test here.
  const core = createRelayCore({ config: relayConfig, logger, metrics, store: storage.events, hooks, verify: async () => true, access });
  const gate = core.parts.gate;
  // Kind budgets off unless the test sets them (the fixture publishes many KeyPackages and messages).
  const section = { enabled: true, group_messages_per_minute: 0, keypackages_per_hour: 0, ...config };
  await gateway.register(hooks, {
    config: section,
    liveConfig: () => section,
    logger,
    metrics: registry,
    events: storage.events,
    removeEvents: (ids) => core.remove(ids),
    reads: core,
    recipientOnly: (kinds) => registerRecipientOnlyKinds(hooks, kinds, access),
    labelKinds: (kinds) => metrics.kindLabels.labelKinds(kinds),
    kv: storage.kv,
    relayUrl: 'ws://relay.test',
    authenticateHttp: nip98Auth(() => allowSet),
    isAllowed: (pk) => allowSet.has(pk),
  });
  const ctx = gateway.context();
  if (!ctx) throw new Error('gateway did not register');
  const app = Fastify();
  await app.register(gateway.routes!.plugin, { prefix: gateway.routes!.prefix });
  await app.ready();

  const fixture: GatewayFixture = {
    gateway,
    ctx,
    hooks,
    core,
    storage,
    registry,
    app,
    clock,
    canRead: (s, ev) => gate.canRead(s, ev),
    async publish(session, ev) {
      const outcome = await core.publishVerified(session, ev);
      if (outcome.why?.prefix === 'error') throw new RelayError('error', outcome.why.message);
      if (!outcome.accepted) return { ok: false, reason: outcome.why! };
      return { ...ACCEPT, status: outcome.why?.prefix === 'duplicate' ? 'duplicate' : 'saved' };
    },
    async req(session, filters) {
      const allowed = await core.authorize(session, filters, 'REQ');
      if (!Array.isArray(allowed)) return { ok: false, reason: allowed, events: [] };
      return { ok: true, events: await core.read(session, allowed) };
    },
    async deleteAs(who, ids, addresses = []) {
      const tags = [...ids.map((id) => ['e', id]), ...addresses.map((a) => ['a', `${a.kind}:${a.pubkey}:${a.d}`])];
      const outcome = await core.publishVerified(sessionOf(who), signed(who, { kind: 5, tags, content: '' }));
      if (!outcome.accepted) throw new Error(`deletion refused: ${outcome.why?.message}`);
    },
    async call(who, method, path, body) {
      const url = `${API_ORIGIN}/api/v1/mls${path}`;
      const headers: Record<string, string> = {};
      if (who) {
        headers.authorization = await getToken(url, method, (t) => finalizeEvent(t, who.sk), true, body);
      }
      const res = await app.inject({ method, url: `/api/v1/mls${path}`, headers, ...(body ? { payload: body } : {}) });
      return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined };
    },
    async close() {
      await app.close();
      // The gateway's timers (roster sync) must stop before the store they read is closed.
      await gateway.close?.();
      await storage.close();
    },
  };
  return fixture;
}

/** The value of a counter or gauge (with labels) in the registry. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  const hit = data.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}
