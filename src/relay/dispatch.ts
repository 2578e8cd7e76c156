import { noticeFrame, parseClientMessage, type ClientMessage } from '../nostr/frames.js';
import { handleAuth } from './auth-verb.js';
import type { RelayContext } from './context.js';
import { handleCount } from './count.js';
import { handleEvent } from './ingest.js';
import { handleClose, handleReq } from './req.js';
import type { Session } from './session.js';

type Handler<V extends ClientMessage['verb']> = (
  ctx: RelayContext,
  session: Session,
  msg: Extract<ClientMessage, { verb: V }>,
) => Promise<void> | void;

const handlers: { [V in ClientMessage['verb']]: Handler<V> } = {
  EVENT: (ctx, s, m) => handleEvent(ctx, s, m.event),
  REQ: (ctx, s, m) => handleReq(ctx, s, m.subId, m.filters),
  COUNT: (ctx, s, m) => handleCount(ctx, s, m.subId, m.filters),
  CLOSE: (ctx, s, m) => handleClose(ctx, s, m.subId),
  AUTH: (ctx, s, m) => handleAuth(ctx, s, m.event),
};

/** Most messages one connection may have waiting; beyond this new ones are refused. */
export const MAX_QUEUED_MESSAGES = 1000;

/** Parses one text frame and queues its handler on the session (in order). Unparseable frames get a NOTICE. */
export function dispatchFrame(ctx: RelayContext, session: Session, text: string): void {
  const msg = parseClientMessage(text);
  if (typeof msg === 'string') {
    session.send(noticeFrame(`invalid: ${msg}`));
    return;
  }
  if (session.queued >= MAX_QUEUED_MESSAGES) {
    session.send(noticeFrame('rate-limited: too many messages waiting on this connection'));
    return;
  }
  const handler = handlers[msg.verb] as Handler<typeof msg.verb>;
  session.enqueue(async () => {
    try {
      await handler(ctx, session, msg as never);
    } catch (err) {
      ctx.logger.error({ connId: session.connId, verb: msg.verb, err: (err as Error).message }, 'handler failed');
      session.send(noticeFrame('error: internal error'));
    }
  });
}
