import type { ReserveEvent } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { ROSTER_KIND } from '../kinds.js';
import { applyRosterAtomically, undoRosterCommand } from '../roster/roster-store.js';
import { parseRosterCommand } from '../roster/roster.js';

/**
 * reserveEvent: a kind 450 takes the roster's next step atomically (seq, author and op checked
 * again inside the key-value transaction, so of two racing operations one wins) before the event
 * is stored. The loser is refused (`invalid: stale seq …`) before any OK or broadcast; the winner
 * is undone if its event is then not stored.
 */
export function reserveRosterChange(ctx: GatewayContext): ReserveEvent {
  return async (_session, ev) => {
    if (ev.kind !== ROSTER_KIND) return { ok: true };
    const cmd = parseRosterCommand(ev);
    if ('prefix' in cmd) return { ok: true }; // refused by the shape rule before it gets here
    const applied = await applyRosterAtomically(ctx, cmd);
    if ('prefix' in applied) {
      ctx.metrics.rejected.inc({ reason: 'roster_race' });
      return { ok: false, reason: applied };
    }
    ctx.metrics.groupsUpdated.inc();
    return { ok: true, release: () => undoRosterCommand(ctx, cmd, applied.previous) };
  };
}
