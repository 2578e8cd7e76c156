import { closedFrame } from '../nostr/frames.js';
import { reason } from '../nostr/reasons.js';
import type { RelayContext } from './context.js';
import { removeSubscription } from './req.js';
import type { Session } from './session.js';

/** Every open session of this process, so that admin decisions reach live connections. */
export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly perIp = new Map<string, number>();

  get size(): number {
    return this.sessions.size;
  }

  /** Open connections from this IP. */
  countForIp(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  add(session: Session): void {
    this.sessions.set(session.connId, session);
    this.perIp.set(session.ip, this.countForIp(session.ip) + 1);
  }

  delete(session: Session): void {
    if (!this.sessions.delete(session.connId)) return;
    const n = this.countForIp(session.ip) - 1;
    if (n <= 0) this.perIp.delete(session.ip);
    else this.perIp.set(session.ip, n);
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /**
   * A pubkey lost access (ban, removal from the allowlist): it leaves every connection's
   * authenticated set at once, and subscriptions of connections left with no allowed identity are
   * closed with `CLOSED restricted:`. The read gate then stops live events it may no longer read.
   */
  revoke(ctx: RelayContext, pubkey: string): number {
    let affected = 0;
    for (const session of this.sessions.values()) {
      if (!session.authed.delete(pubkey)) continue;
      session.refused.add(pubkey);
      affected++;
      const stillAllowed = [...session.authed].some((pk) => ctx.access.isAllowed(pk));
      if (stillAllowed && ctx.config.auth.required) continue;
      for (const subId of [...session.subs.keys()]) {
        removeSubscription(ctx, session, subId);
        session.send(closedFrame(subId, reason('restricted', 'access revoked')));
      }
    }
    return affected;
  }
}
