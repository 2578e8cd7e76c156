import type { Reason } from '../../../src/nostr/reasons.js';
import { COLLECTIONS } from '../collections.js';
import type { GatewayContext } from '../context.js';
import { applyRosterCommand, type Roster, type RosterCommand } from './roster.js';

/**
 * Applies a command atomically, re-checking it against the stored roster (seq, author, op),
 * and updates the cache (and the version document other instances sync from). Returns the new
 * roster, or the reason it lost (a racing operation).
 */
export async function applyRosterAtomically(ctx: GatewayContext, cmd: RosterCommand): Promise<Roster | Reason> {
  let refused: Reason | undefined;
  const written = await ctx.kv.update<Roster>(COLLECTIONS.rosters, cmd.group, (current) => {
    const next = applyRosterCommand(current, cmd);
    refused = 'prefix' in next ? next : undefined;
    return 'prefix' in next ? current : next;
  });
  if (refused) return refused;
  await ctx.rosters.changed(cmd.group, written);
  return written as Roster;
}
