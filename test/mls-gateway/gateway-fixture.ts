/**
 * A gateway registered into real hook slots over a real SQLite storage, with a pipeline that
 * does what the core does (reject hooks → reservations → save → onEventSaved; query → read gate →
 * overwriteResults) and a fastify app with the REST routes behind real NIP-98 checks.
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
import { combineReadGates } from '../../src/relay/read-gate.js';
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
  storage: Storage;
  registry: Registry;
  app: FastifyInstance;
  /** Moves the gateway's clock (unix seconds). */
  clock: { now: number };
  canRead(session: SessionContext, ev: NostrEvent): boolean;
  /** Reject hooks, then save, then onEventSaved: the core's write path. */
  publish(session: SessionContext, ev: VerifiedEvent): Promise<Decision & { status?: SaveStatus }>;
  /** rejectFilter, query, read gate, overwriteResults: the core's REQ path. */
  req(session: SessionContext, filters: Filter[]): Promise<Decision & { events: NostrEvent[] }>;
  /** A NIP-09 deletion of `ids` (and `a` coordinates) by `who`, as the core applies it. */
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
  const registry = new Registry();
  const clock = { now: Math.floor(Date.now() / 1000) };
  const gateway = createMlsGateway({ now: () => clock.now });
  const gate = combineReadGates(hooks.readGates);
  const allowSet = new Set(allowed.map((a) => a.pk));
  // Kind budgets off unless the test sets them (the fixture publishes many KeyPackages and messages).
  const section = { enabled: true, group_messages_per_minute: 0, keypackages_per_hour: 0, ...config };
  await gateway.register(hooks, {
    config: section,
    liveConfig: () => section,
    logger: pino({ level: 'silent' }),
    metrics: registry,
    events: storage.events,
    kv: storage.kv,
    relayUrl: 'ws://relay.test',
    authenticateHttp: nip98Auth(() => allowSet),
    isAllowed: (pk) => allowSet.has(pk),
    canRead: (s, ev) => gate.canRead(s, ev),
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
    storage,
    registry,
    app,
    clock,
    canRead: (s, ev) => gate.canRead(s, ev),
    async publish(session, ev) {
      for (const policy of hooks.rejectEvent) {
        const d = await policy(session, ev);
        if (!d.ok) return d;
      }
      const releases: (() => Promise<void>)[] = [];
      for (const hook of hooks.reserveEvent) {
        const r = await hook(session, ev);
        if (!r.ok) return r;
        if (r.release) releases.push(r.release);
      }
      const [result] = await storage.events.saveBatch([{ event: ev }]);
      if (result?.status !== 'saved') for (const undo of releases) await undo();
      if (result?.status === 'error') throw result.error;
      if (result?.status === 'saved') for (const h of hooks.onEventSaved) await h(session, ev);
      return { ...ACCEPT, status: result?.status };
    },
    async req(session, filters) {
      for (const policy of hooks.rejectFilter) {
        const d = await policy(session, filters, 'REQ');
        if (!d.ok) return { ...d, events: [] };
      }
      let events = (await storage.events.query(filters)).filter((ev) => gate.canRead(session, ev));
      for (const hook of hooks.overwriteResults) events = await hook(session, filters, events);
      return { ok: true, events };
    },
    async deleteAs(who, ids, addresses = []) {
      const tags = [...ids.map((id) => ['e', id]), ...addresses.map((a) => ['a', `${a.kind}:${a.pubkey}:${a.d}`])];
      const deletion = signed(who, { kind: 5, tags, content: '' });
      await storage.events.saveBatch([{ event: deletion, deletion: { ids, addresses } }]);
      for (const h of hooks.onEventSaved) await h(sessionOf(who), deletion);
      if (ids.length > 0) for (const h of hooks.onEventsDeleted) await h(ids);
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
