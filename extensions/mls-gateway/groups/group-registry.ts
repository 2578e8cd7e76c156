import { firstTagValue, type NostrEvent } from '../../../src/nostr/event.js';
import { COLLECTIONS } from '../collections.js';
import type { GatewayContext } from '../context.js';

/** What the registry knows about a group from its kind 445 traffic (never the content). */
export type GroupRecord = {
  group: string;
  /** Unix seconds the relay first stored a message of the group. */
  firstSeen: number;
  /** Unix seconds of the newest stored message (created_at). */
  lastActivity: number;
  messageCount: number;
  /** The last epoch hint seen in a `k` tag, if any. */
  epochHint?: string;
};

/** Records a stored kind 445 in its group's registry entry (atomic). */
export async function recordGroupMessage(ctx: GatewayContext, ev: NostrEvent, group: string): Promise<GroupRecord | undefined> {
  const now = ctx.now();
  const epoch = firstTagValue(ev, 'k');
  const written = await ctx.kv.update<GroupRecord>(COLLECTIONS.groups, group, (current) => ({
    group,
    firstSeen: current?.firstSeen ?? now,
    lastActivity: Math.max(current?.lastActivity ?? 0, ev.created_at),
    messageCount: (current?.messageCount ?? 0) + 1,
    ...(epoch !== undefined && epoch.length <= 64 ? { epochHint: epoch } : current?.epochHint ? { epochHint: current.epochHint } : {}),
  }));
  ctx.metrics.groupsUpdated.inc();
  return written;
}

/** The registry entry of a group. */
export function getGroupRecord(ctx: GatewayContext, group: string): Promise<GroupRecord | undefined> {
  return ctx.kv.get<GroupRecord>(COLLECTIONS.groups, group);
}
