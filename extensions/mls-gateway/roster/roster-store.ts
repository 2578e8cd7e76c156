import type { Reason } from '../../../src/nostr/reasons.js';
import { COLLECTIONS } from '../collections.js';
import type { GatewayContext } from '../context.js';
import { applyRosterCommand, type Roster, type RosterCommand } from './roster.js';

/**
 * Applies a command atomically, re-checking it against the stored roster (seq, author, op),
 * and updates the cache (and the version document other instances sync from). Returns the new
 * roster with the one it replaced, or the reason it lost (a racing operation).
 */
export async function applyRosterAtomically(
  ctx: GatewayContext,
  cmd: RosterCommand,
): Promise<{ roster: Roster; previous: Roster | undefined } | Reason> {
  let refused: Reason | undefined;
  let previous: Roster | undefined;
  const written = await ctx.kv.update<Roster>(COLLECTIONS.rosters, cmd.group, (current) => {
    previous = current; // the function may run again (transaction retry): the last run is the one committed
    const next = applyRosterCommand(current, cmd);
    refused = 'prefix' in next ? next : undefined;
    return 'prefix' in next ? current : next;
  });
  if (refused) return refused;
  await ctx.rosters.changed(cmd.group, written);
  return { roster: written as Roster, previous };
}

/**
 * Undoes `cmd` when it is still the roster's last operation (its event was then not stored): the
 * roster goes back to `previous`. A later operation already built on it is left alone.
 */
export async function undoRosterCommand(ctx: GatewayContext, cmd: RosterCommand, previous: Roster | undefined): Promise<void> {
  let undone = false;
  const written = await ctx.kv.update<Roster>(COLLECTIONS.rosters, cmd.group, (current) => {
    undone = current?.eventId === cmd.eventId;
    return undone ? previous : current;
  });
  if (undone) await ctx.rosters.changed(cmd.group, written);
}
