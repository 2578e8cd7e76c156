import { firstTagValue, type NostrEvent } from '../../../src/nostr/event.js';
import type { GatewayContext } from '../context.js';
import type { GroupRecord } from './group-activity.js';

export type { GroupRecord } from './group-activity.js';

/** Longest `k` tag value kept as the epoch hint. */
const MAX_EPOCH_HINT = 64;

/**
 * Records a stored kind 445 in its group's registry entry: counted in memory and written with the
 * group's other messages at most once a second (GroupActivity), so a busy group has no hot document.
 */
export function recordGroupMessage(ctx: GatewayContext, ev: NostrEvent, group: string): void {
  const epoch = firstTagValue(ev, 'k');
  ctx.groupActivity.record(group, ev.created_at, ctx.now(), epoch !== undefined && epoch.length <= MAX_EPOCH_HINT ? epoch : undefined);
  ctx.metrics.groupsUpdated.inc();
}

/** The registry entry of a group (its shards merged, this instance's unwritten counts included). */
export function getGroupRecord(ctx: GatewayContext, group: string): Promise<GroupRecord | undefined> {
  return ctx.groupActivity.get(group);
}
