import type { FastifyInstance } from 'fastify';
import { GIFT_WRAP_KIND } from '../kinds.js';
import { acknowledgeMail, pendingMail } from '../mailbox/mailbox.js';
import { notFound } from './http-errors.js';
import { caller, type DepsSource } from './route-deps.js';
import { eventIdParams } from './schemas.js';

/** Most pending welcomes one GET returns. */
const MAX_PENDING = 500;

/** GET /welcomes (the caller's pending gift wraps) and POST /welcomes/:id/ack (takes one out of the mailbox). */
export function registerWelcomeRoutes(app: FastifyInstance, source: DepsSource): void {
  app.get('/welcomes', async (req) => {
    // Lists the mailbox without taking anything out of it (the ack below does): a read.
    const { deps, pubkey, reader } = await caller(source, req, { isRead: true });
    const pending = (await pendingMail(deps.ctx, pubkey, MAX_PENDING)).filter((e) => e.kind === GIFT_WRAP_KIND);
    if (pending.length === 0) return { welcomes: [] };
    const events = await deps.ctx.events.query([{ ids: pending.map((e) => e.id) }]);
    return { welcomes: events.filter((ev) => deps.canRead(reader, ev)) };
  });

  app.post<{ Params: { id: string } }>('/welcomes/:id/ack', { schema: { params: eventIdParams } }, async (req) => {
    const { deps, pubkey } = await caller(source, req, { isRead: false });
    if (!(await acknowledgeMail(deps.ctx, pubkey, req.params.id))) throw notFound('pending welcome');
    return { acknowledged: true, id: req.params.id };
  });
}
