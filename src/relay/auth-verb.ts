import { checkEventShape, computeEventId, markVerified, type NostrEvent } from '../nostr/event.js';
import { okFrame } from '../nostr/frames.js';
import { CLIENT_AUTH_KIND } from '../nostr/kinds.js';
import { reason, type Reason } from '../nostr/reasons.js';
import { shortKey } from '../config/pubkeys.js';
import type { RelayContext } from './context.js';
import type { Session } from './session.js';

/** Most refused pubkeys a connection remembers (a client could sign AUTH events with endless fresh keys). */
const MAX_REFUSED_KEYS = 16;

async function checkAuth(ctx: RelayContext, session: Session, raw: unknown): Promise<Reason | undefined> {
  const shapeProblem = checkEventShape(raw);
  if (shapeProblem) return reason('invalid', shapeProblem);
  const ev = raw as NostrEvent;
  if (ev.kind !== CLIENT_AUTH_KIND) return reason('invalid', `AUTH event must be kind ${CLIENT_AUTH_KIND}`);
  if (!(await ctx.verify(ev))) {
    ctx.metrics.invalidSignatures.inc();
    return reason('invalid', computeEventId(ev) !== ev.id ? 'event id does not match its content' : 'bad signature');
  }
  const problem = ctx.checkAuthEvent(markVerified(ev), session.challenge);
  if (problem) return reason('auth-required', problem);
  if (ctx.access.isBanned(ev.pubkey)) return reason('restricted', 'this pubkey is banned on this relay');
  if (ctx.config.auth.required && !ctx.access.isAllowed(ev.pubkey)) {
    return reason('restricted', 'this pubkey is not allowed on this relay');
  }
  return undefined;
}

/**
 * NIP-42 AUTH: on success the pubkey joins the connection's authenticated set (a connection may
 * authenticate several). A pubkey that is not allowlisted, or banned, is refused with `restricted:` and
 * remembered in `session.refused`.
 */
export async function handleAuth(ctx: RelayContext, session: Session, raw: unknown): Promise<void> {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? ((raw as { id: string }).id.slice(0, 64)) : '';
  const problem = await checkAuth(ctx, session, raw);
  if (problem) {
    // A key refused for who it is (not allowed, banned) has performed AUTH: from now on this
    // connection is answered `restricted:`, not asked to authenticate again (authPrefix).
    // Kept small: that the set is not empty is what counts, a few keys are for logs and messages.
    if (problem.prefix === 'restricted' && session.refused.size < MAX_REFUSED_KEYS) session.refused.add((raw as NostrEvent).pubkey);
    ctx.metrics.authFailures.inc({ reason: problem.prefix });
    ctx.logger.info({ connId: session.connId, reason: problem.prefix }, 'auth refused');
    session.send(okFrame(id, false, problem));
    return;
  }
  const pubkey = (raw as NostrEvent).pubkey;
  session.authed.add(pubkey);
  session.refused.delete(pubkey);
  ctx.logger.info({ connId: session.connId, pubkey: shortKey(pubkey) }, 'authenticated');
  session.send(okFrame(id, true));
}
