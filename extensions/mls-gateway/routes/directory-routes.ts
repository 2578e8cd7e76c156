import type { FastifyInstance } from 'fastify';
import { availablePackages, type OwnerDirectory } from '../directory/directory-store.js';
import { COLLECTIONS } from '../collections.js';
import { getGroupRecord } from '../groups/group-registry.js';
import { GROUP_MESSAGE_KIND } from '../kinds.js';
import { notFound } from './http-errors.js';
import { authorizeRead, caller, type DepsSource } from './route-deps.js';
import { groupParams, keyPackagesQuery } from './schemas.js';

/** GET /groups/:id (registry and roster; members only in roster mode) and GET /keypackages?owner= (metadata). */
export function registerDirectoryRoutes(app: FastifyInstance, source: DepsSource): void {
  registerGroupRoute(app, source);
  registerKeyPackageRoute(app, source);
}

function registerGroupRoute(app: FastifyInstance, source: DepsSource): void {
  app.get<{ Params: { id: string } }>('/groups/:id', { schema: { params: groupParams } }, async (req) => {
    const { deps, reader } = await caller(source, req, { isRead: true });
    const { ctx } = deps;
    const group = req.params.id;
    // Whoever may read the group's messages may read its record: the relay's rule for that filter decides.
    await authorizeRead(deps, reader, [{ kinds: [GROUP_MESSAGE_KIND], tags: { h: [group] } }]);
    const roster = await ctx.rosters.refresh(group);
    const record = await getGroupRecord(ctx, group);
    if (!record && !roster) throw notFound('group');
    return {
      group_id: group,
      first_seen: record?.firstSeen ?? null,
      last_activity: record?.lastActivity ?? null,
      message_count: record?.messageCount ?? 0,
      epoch_hint: record?.epochHint ?? null,
      roster: roster
        ? { seq: roster.seq, owner: roster.owner, admins: roster.admins, members: roster.members, updated_at: roster.updatedAt }
        : null,
    };
  });
}

function registerKeyPackageRoute(app: FastifyInstance, source: DepsSource): void {
  app.get<{ Querystring: { owner: string } }>('/keypackages', { schema: { querystring: keyPackagesQuery } }, async (req) => {
    const { deps } = await caller(source, req, { isRead: true });
    const { ctx } = deps;
    const now = ctx.now();
    const dir = await ctx.kv.get<OwnerDirectory>(COLLECTIONS.keyPackages, req.query.owner);
    const live = (dir?.packages ?? []).filter((p) => p.expiresAt > now);
    return {
      owner: req.query.owner,
      count: live.length,
      available: availablePackages(dir, now).length,
      keypackages: live.map((p) => ({
        event_id: p.id,
        kind: p.kind,
        ref: p.ref,
        ciphersuite: p.ciphersuite,
        expires_at: p.expiresAt,
        created_at: p.createdAt,
        claimed: p.claimedBy !== undefined,
        framing: p.framing ?? null,
      })),
    };
  });
}
