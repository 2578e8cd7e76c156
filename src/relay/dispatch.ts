import { LARGE_FRAME_BYTES } from '../nostr/frame-elements.js';
import { closedFrame, noticeFrame, okFrame, parseClientMessage, parseLargeFrame, type ClientMessage } from '../nostr/frames.js';
import { formatReason, reason, type Reason } from '../nostr/reasons.js';
import { handleAuth } from './auth-verb.js';
import type { RelayContext } from './context.js';
import { handleCount } from './count.js';
import { refusedSubId } from './filters.js';
import type { EventCheck } from './core/core.js';
import { handleEvent } from './event-verb.js';
import { abortRunningQuery, handleClose, handleReq } from './req.js';
import type { Session } from './session.js';

type Handler<V extends ClientMessage['verb']> = (
  ctx: RelayContext,
  session: Session,
  msg: Extract<ClientMessage, { verb: V }>,
  checked?: Promise<EventCheck>,
) => Promise<void> | void;

const handlers: { [V in ClientMessage['verb']]: Handler<V> } = {
  EVENT: (ctx, s, m, checked) => handleEvent(ctx, s, m.event, checked),
  REQ: (ctx, s, m) => handleReq(ctx, s, m.subId, m.filters),
  COUNT: (ctx, s, m) => handleCount(ctx, s, m.subId, m.filters),
  CLOSE: (ctx, s, m) => handleClose(ctx, s, m.subId),
  AUTH: (ctx, s, m) => handleAuth(ctx, s, m.event),
};

/** Most messages one connection may have waiting; beyond this new ones are refused. */
export const MAX_QUEUED_MESSAGES = 1000;

/**
 * Most EVENTs of one connection whose checks (id, signature) run ahead of their turn. Keeps the
 * verifier busy while earlier events wait for the store, without one connection filling its queue.
 */
export const MAX_CHECKS_AHEAD = 64;

/** Starts `checkEvent` on arrival when the connection has room; its effects still wait for their turn. */
function checkAhead(ctx: RelayContext, session: Session, raw: unknown, frame: string): Promise<EventCheck> | undefined {
  // An untrusted connection's events are checked in turn, after any AUTH before them: most are
  // refused for auth without signature work (PreauthGuard.refuseUnverified).
  if (session.checksAhead >= MAX_CHECKS_AHEAD || !ctx.preauth.isTrusted(session)) return undefined;
  session.checksAhead++;
  return ctx.core.check(session, raw, frame).finally(() => {
    session.checksAhead--;
  });
}

/**
 * Answers a message the relay will not handle in the form its verb calls for: `CLOSED` for REQ and
 * COUNT and `OK false` for an EVENT with an id (NIP-01 requires both; a client waits for them),
 * a NOTICE otherwise.
 */
function refuse(ctx: RelayContext, session: Session, msg: ClientMessage, why: Reason): void {
  if (msg.verb === 'REQ' || msg.verb === 'COUNT') {
    session.send(closedFrame(refusedSubId(msg.subId, ctx.config.limits.max_subid_length), why));
    return;
  }
  const id = msg.verb === 'EVENT' ? (msg.event as { id?: unknown } | null)?.id : undefined;
  session.send(typeof id === 'string' ? okFrame(id.slice(0, 64), false, why) : noticeFrame(formatReason(why)));
}

/**
 * Parses one text frame (its text, or its UTF-8 bytes as received) and queues its handler on the session
 * (in order). Unparseable frames get a NOTICE. A large REQ, COUNT or CLOSE is parsed from its bytes
 * without decoding the whole frame into one string (parseLargeFrame).
 */
export function dispatchFrame(ctx: RelayContext, session: Session, frame: string | Buffer): void {
  const large = typeof frame !== 'string' && frame.length >= LARGE_FRAME_BYTES ? parseLargeFrame(frame) : undefined;
  // The text of every frame parseLargeFrame left alone (an EVENT's goes to the verify handoff).
  const text = large === undefined ? frame.toString() : undefined;
  const msg = large ?? parseClientMessage(text as string);
  if (typeof msg === 'string') {
    session.send(noticeFrame(`invalid: ${msg}`));
    return;
  }
  if (session.queued >= MAX_QUEUED_MESSAGES) {
    refuse(ctx, session, msg, reason('rate-limited', 'too many messages waiting on this connection'));
    return;
  }
  const checked = msg.verb === 'EVENT' && text !== undefined ? checkAhead(ctx, session, msg.event, text) : undefined;
  if (msg.verb === 'CLOSE') abortRunningQuery(session, msg.subId);
  const handler = handlers[msg.verb] as Handler<typeof msg.verb>;
  session.enqueue(async () => {
    try {
      // Anything but an EVENT sees the connection's earlier EVENTs answered (a REQ reads them).
      if (msg.verb !== 'EVENT') await session.settled();
      await handler(ctx, session, msg as never, checked);
    } catch (err) {
      ctx.logger.error({ connId: session.connId, verb: msg.verb, err: (err as Error).message }, 'handler failed');
      refuse(ctx, session, msg, reason('error', 'internal error'));
    }
  });
}
