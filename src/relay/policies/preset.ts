import { derive } from '../../config/live.js';
import type { RelayConfig } from '../../config/types.js';
import type { RelayHooks } from '../hooks.js';
import { rejectAuthEventsAsEvents, rejectExpired, rejectLargeEvents, rejectOutOfRangeTimestamps } from './events.js';

/**
 * Registers the core's protocol policies (limits, NIP-40, NIP-42 kind) before any other hook. The
 * `[limits]` they use are read from `config` (the live config), so a reload applies at once.
 */
export function registerCorePolicies(hooks: RelayHooks, config: () => Pick<RelayConfig, 'limits'>): void {
  const limits = () => config().limits;
  const large = derive(limits, (l) => rejectLargeEvents(l.max_event_tags, l.max_content_bytes, l.max_tag_bytes));
  const timestamps = derive(limits, (l) => rejectOutOfRangeTimestamps(l.created_at_past_seconds, l.created_at_future_seconds));
  hooks.rejectEvent.push(
    rejectAuthEventsAsEvents(),
    (ctx, ev) => large()(ctx, ev),
    (ctx, ev) => timestamps()(ctx, ev),
    rejectExpired(),
  );
}
