import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReasonPrefix } from '../../../src/nostr/reasons.js';
import { availablePackages, type DirectoryEntry, type OwnerDirectory } from '../directory/directory-store.js';
import { COLLECTIONS } from '../collections.js';
import { getGroupRecord, type GroupRecord } from '../groups/group-registry.js';
import { ROSTER_KIND } from '../kinds.js';
import type { Roster } from '../roster/roster.js';
import { GatewayHttpError, notFound } from './http-errors.js';
import type { DepsSource, RouteDeps } from './route-deps.js';
import { groupParams } from './schemas.js';

/** A KeyPackage expiring within this many seconds counts as "expiring soon" on the console (one day). */
export const EXPIRING_SOON_SECONDS = 86_400;
/** Most owners or groups one admin listing returns. */
export const ADMIN_LIST_LIMIT = 5000;
/** Most kind 450 operations returned as a group's roster history. */
export const ROSTER_HISTORY_LIMIT = 500;

/** The caller must be a relay admin (NIP-98 or a console session, checked by the core). */
async function admin(source: DepsSource, req: FastifyRequest): Promise<RouteDeps> {
  const deps = source();
  if (!deps) throw new GatewayHttpError(503, 'error', 'the MLS gateway is not enabled on this relay');
  if (!deps.authenticateAdmin) throw new GatewayHttpError(503, 'error', 'admin routes are not available');
  try {
    await deps.authenticateAdmin(req);
  } catch (err) {
    // The core's admin refusals carry a status and a reason prefix: keep both in the gateway's error shape.
    const e = err as { statusCode?: unknown; prefix?: unknown; message: string };
    if (typeof e.statusCode === 'number' && typeof e.prefix === 'string') throw new GatewayHttpError(e.statusCode, e.prefix as ReasonPrefix, e.message);
    throw err;
  }
  return deps;
}

/** The framing recorded per KeyPackage (interop issue), when this build records it. */
function framingOf(p: DirectoryEntry): string | undefined {
  const framing = (p as { framing?: unknown }).framing;
  return typeof framing === 'string' ? framing : undefined;
}

function poolOf(dir: OwnerDirectory, now: number, threshold: number) {
  const live = dir.packages.filter((p) => p.expiresAt > now);
  const available = availablePackages(dir, now);
  const framing: Record<string, number> = {};
  for (const p of live) {
    const f = framingOf(p);
    if (f !== undefined) framing[f] = (framing[f] ?? 0) + 1;
  }
  return {
    owner: dir.owner,
    available: available.length,
    claimed: live.filter((p) => p.claimedBy !== undefined).length,
    expiring_soon: available.filter((p) => p.expiresAt - now <= EXPIRING_SOON_SECONDS).length,
    // The same rule as the mls_gateway_keypackage_low_pool_owners gauge (updateLowPoolGauge).
    low: available.length < threshold,
    ...(Object.keys(framing).length > 0 ? { framing } : {}),
  };
}

function groupRow(record: GroupRecord | undefined, roster: Roster | undefined, group: string) {
  return {
    group_id: group,
    first_seen: record?.firstSeen ?? null,
    last_activity: record?.lastActivity ?? null,
    message_count: record?.messageCount ?? 0,
    members: roster ? roster.members.length : null,
    roster_seq: roster ? roster.seq : null,
  };
}

/**
 * Admin-only read routes for the console (thin views of the gateway's own state):
 * GET /admin/keypackages (every owner's pool), GET /admin/groups (the registry) and
 * GET /admin/groups/:id (registry entry, roster and its kind 450 history).
 */
export function registerAdminRoutes(app: FastifyInstance, source: DepsSource): void {
  app.get('/admin/keypackages', async (req) => {
    const { ctx } = await admin(source, req);
    const now = ctx.now();
    const dirs = await ctx.kv.list<OwnerDirectory>(COLLECTIONS.keyPackages, { limit: ADMIN_LIST_LIMIT });
    const owners = dirs.map(({ value }) => poolOf(value, now, ctx.cfg.low_pool_threshold));
    return { low_pool_threshold: ctx.cfg.low_pool_threshold, expiring_soon_seconds: EXPIRING_SOON_SECONDS, owners };
  });
  app.get('/admin/groups', async (req) => {
    const { ctx } = await admin(source, req);
    const records = (await ctx.groupActivity.list(ADMIN_LIST_LIMIT)).map((value) => ({ key: value.group, value }));
    const rosters = await ctx.kv.list<Roster>(COLLECTIONS.rosters, { limit: ADMIN_LIST_LIMIT });
    const byGroup = new Map(rosters.map((r) => [r.key, r.value]));
    const ids = [...new Set([...records.map((r) => r.key), ...byGroup.keys()])].sort();
    const recordOf = new Map(records.map((r) => [r.key, r.value]));
    return { membership: ctx.cfg.membership, groups: ids.map((id) => groupRow(recordOf.get(id), byGroup.get(id), id)) };
  });
  app.get<{ Params: { id: string } }>('/admin/groups/:id', { schema: { params: groupParams } }, async (req) => {
    const { ctx } = await admin(source, req);
    const group = req.params.id;
    const [record, roster] = await Promise.all([getGroupRecord(ctx, group), ctx.kv.get<Roster>(COLLECTIONS.rosters, group)]);
    if (!record && !roster) throw notFound('group');
    const ops = await ctx.events.query([{ kinds: [ROSTER_KIND], tags: { h: [group] }, limit: ROSTER_HISTORY_LIMIT }]);
    const tag = (tags: string[][], name: string) => tags.find((t) => t[0] === name)?.[1] ?? null;
    return {
      ...groupRow(record, roster, group),
      membership: ctx.cfg.membership,
      roster: roster ? { seq: roster.seq, owner: roster.owner, admins: roster.admins, members: roster.members, updated_at: roster.updatedAt } : null,
      history: ops
        .map((ev) => ({
        event_id: ev.id,
        created_at: ev.created_at,
        author: ev.pubkey,
        seq: Number(tag(ev.tags, 'seq')),
        op: tag(ev.tags, 'op'),
        targets: ev.tags.filter((t) => t[0] === 'p').map((t) => t[1]),
      }))
        // Newest operation first by seq: several operations may share a created_at second.
        .sort((a, b) => b.seq - a.seq),
    };
  });
}
