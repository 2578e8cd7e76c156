import { firstTagValue } from '../../../src/nostr/event.js';
import type { Filter } from '../../../src/nostr/filter.js';
import { ACCEPT, reason } from '../../../src/nostr/reasons.js';
import { authPrefix, type ReadGate, type RejectFilter } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { shortGroupId } from '../group-id.js';
import { GROUP_MESSAGE_KIND, ROSTER_KIND } from '../kinds.js';
import { hasMember } from '../roster/roster.js';
import { decide } from './counted.js';

const GROUP_KINDS: readonly number[] = [GROUP_MESSAGE_KIND, ROSTER_KIND];

/** The groups a filter asks for by `#h`, when it may match group kinds. */
function groupsAskedFor(filter: Filter): string[] {
  const groups = filter.tags?.h;
  if (!groups) return [];
  if (filter.kinds && !filter.kinds.some((k) => GROUP_KINDS.includes(k))) return [];
  return groups;
}

/**
 * Roster mode: a REQ or COUNT naming groups with `#h` runs only when the connection is
 * authenticated as a member of every group named (`CLOSED restricted:` otherwise).
 */
export function rejectNonMemberGroupFilters(ctx: GatewayContext): RejectFilter {
  return async (session, filters) => {
    const groups = new Set(filters.flatMap(groupsAskedFor));
    if (groups.size === 0) return ACCEPT;
    if (session.authed.size === 0) {
      return decide(ctx.metrics, 'not_member', reason(authPrefix(session), 'reading a group needs an authenticated member'));
    }
    for (const group of groups) {
      const roster = await ctx.rosters.refresh(group);
      if (!hasMember(roster, session.authed)) {
        return decide(ctx.metrics, 'not_member', reason('restricted', `not a member of group ${shortGroupId(group)}`));
      }
    }
    return ACCEPT;
  };
}

/**
 * Roster mode: group messages (445) and roster events (450) are readable only by a
 * connection authenticated as a current member of their group, on every read path
 * (stored, live, COUNT, REST), also for filters without `#h`. Synchronous: uses the cache.
 */
export function groupMembersOnly(ctx: GatewayContext): ReadGate {
  return {
    kinds: GROUP_KINDS,
    canRead: (session, ev) => {
      const group = firstTagValue(ev, 'h');
      return group !== undefined && ctx.rosters.isMember(group, session.authed);
    },
  };
}
