import type { FastifyInstance } from 'fastify';
import { GIFT_WRAP_KIND } from '../kinds.js';
import { acknowledgeMail, mailboxPage } from '../mailbox/mailbox.js';
import { notFound } from './http-errors.js';
import { caller, readAs, type DepsSource } from './route-deps.js';
import { DEFAULT_PAGE, eventIdParams, welcomesQuery } from './schemas.js';

/**
 * GET /welcomes?limit&cursor (the caller's pending gift wraps, in the order received, a sender's
 * entries past its cap last; `has_more` and `next_cursor` say more are waiting) and
 * POST /welcomes/:id/ack (takes one out of the mailbox).
 */
export function registerWelcomeRoutes(app: FastifyInstance, source: DepsSource): void {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>('/welcomes', { schema: { querystring: welcomesQuery } }, async (req) => {
    // Lists the mailbox without taking anything out of it (the ack below does): a read.
    const { deps, pubkey, reader } = await caller(source, req, { isRead: true });
    const page = await mailboxPage(deps.ctx, pubkey, GIFT_WRAP_KIND, req.query.limit ?? DEFAULT_PAGE, req.query.cursor);
    const more = page.next !== undefined ? { has_more: true, next_cursor: page.next } : { has_more: false };
    if (page.entries.length === 0) return { welcomes: [], ...more };
    const ids = page.entries.map((e) => e.id);
    const found = await readAs(deps, reader, [{ ids, limit: ids.length }]);
    const byId = new Map(found.map((ev) => [ev.id, ev]));
    // In mailbox order; an event already gone (deleted, retention) or not readable is left out.
    const welcomes = page.entries.flatMap((e) => byId.get(e.id) ?? []);
    return { welcomes, ...more };
  });

  app.post<{ Params: { id: string } }>('/welcomes/:id/ack', { schema: { params: eventIdParams } }, async (req) => {
    const { deps, pubkey } = await caller(source, req, { isRead: false });
    if (!(await acknowledgeMail(deps.ctx, pubkey, req.params.id))) throw notFound('pending welcome');
    return { acknowledged: true, id: req.params.id };
  });
}
