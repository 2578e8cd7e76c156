import { firstTagValue } from '../../../src/nostr/event.js';
import { ACCEPT, reason } from '../../../src/nostr/reasons.js';
import { authPrefix, type RejectEvent } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { shortGroupId } from '../group-id.js';
import { GROUP_MESSAGE_KIND, ROSTER_KIND } from '../kinds.js';
import { applyRosterCommand, hasMember, parseRosterCommand } from '../roster/roster.js';
import { decide } from './counted.js';

/**
 * Refuses kind 450 operations that are malformed, stale, or not allowed to their author
 * against the current roster. The same check runs again atomically when the operation is
 * reserved before the save (reserveRosterChange: two racing operations cannot both win).
 */
export function rejectRosterChanges(ctx: GatewayContext): RejectEvent {
  return async (_session, ev) => {
    if (ev.kind !== ROSTER_KIND) return ACCEPT;
    const cmd = parseRosterCommand(ev);
    if ('prefix' in cmd) return decide(ctx.metrics, 'roster_shape', cmd);
    const next = applyRosterCommand(await ctx.rosters.refresh(cmd.group), cmd);
    return decide(ctx.metrics, 'roster_refused', 'prefix' in next ? next : undefined);
  };
}

/**
 * Roster mode: a group message (445) is accepted only from a connection authenticated as a
 * member of the group's roster, whatever throwaway key signed it.
 */
export function requireGroupMembership(ctx: GatewayContext): RejectEvent {
  return async (session, ev) => {
    if (ev.kind !== GROUP_MESSAGE_KIND) return ACCEPT;
    const group = firstTagValue(ev, 'h');
    if (group === undefined) return ACCEPT; // the shape rule refuses it
    if (session.authed.size === 0) {
      return decide(ctx.metrics, 'not_member', reason(authPrefix(session), 'group messages need an authenticated member'));
    }
    const roster = await ctx.rosters.refresh(group);
    if (hasMember(roster, session.authed)) return ACCEPT;
    const why = roster
      ? `not a member of group ${shortGroupId(group)}`
      : `group ${shortGroupId(group)} has no roster (bootstrap it with kind 450)`;
    return decide(ctx.metrics, 'not_member', reason('restricted', why));
  };
}
