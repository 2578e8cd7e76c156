import type { FastifyInstance } from 'fastify';
import type { Filter } from '../../../src/nostr/filter.js';
import { GIFT_WRAP_KIND, GROUP_MESSAGE_KIND, KEYPACKAGE_REQUEST_KIND, NOISE_DM_KIND } from '../kinds.js';
import { queryPage } from './paging.js';
import { caller, type DepsSource } from './route-deps.js';
import { groupMessagesBody, missedMessagesBody, type PageRequest } from './schemas.js';

/** Most groups one /messages/missed call looks into (a filter's value bound). */
const MAX_GROUPS = 500;

/**
 * POST /messages/group {group_id, since, until, limit}: a group's 445 backfill.
 * POST /messages/missed {since, until, limit}: what is addressed to the caller (1059/446/447 by
 * `p`) and, in roster mode, the 445 of the caller's groups. Both page with has_more/next_cursor
 * (paging.ts) and pass every event through the relay's read gate.
 */
export function registerMessageRoutes(app: FastifyInstance, source: DepsSource): void {
  app.post<{ Body: PageRequest & { group_id: string } }>(
    '/messages/group',
    { schema: { body: groupMessagesBody } },
    async (req) => {
      const { deps, reader } = await caller(source, req, { isRead: true });
      const filters: Filter[] = [{ kinds: [GROUP_MESSAGE_KIND], tags: { h: [req.body.group_id] } }];
      return queryPage(deps, reader, filters, req.body);
    },
  );

  app.post<{ Body: PageRequest }>('/messages/missed', { schema: { body: missedMessagesBody } }, async (req) => {
    const { deps, pubkey, reader } = await caller(source, req, { isRead: true });
    const { ctx } = deps;
    const filters: Filter[] = [{ kinds: [GIFT_WRAP_KIND, NOISE_DM_KIND, KEYPACKAGE_REQUEST_KIND], tags: { p: [pubkey] } }];
    if (ctx.cfg.membership === 'roster') {
      const groups = ctx.rosters.groupsOf(pubkey).slice(0, MAX_GROUPS);
      if (groups.length > 0) filters.push({ kinds: [GROUP_MESSAGE_KIND], tags: { h: groups } });
    }
    return queryPage(deps, reader, filters, req.body ?? {});
  });
}
