import type { RelayConfig } from '../../config/types.js';
import type { RelayHooks } from '../hooks.js';
import { rejectAuthEventsAsEvents, rejectExpired, rejectLargeEvents, rejectOutOfRangeTimestamps } from './events.js';

/** Registers the core's protocol policies (limits, NIP-40, NIP-42 kind) before any other hook. */
export function registerCorePolicies(hooks: RelayHooks, config: RelayConfig): void {
  const l = config.limits;
  hooks.rejectEvent.push(
    rejectAuthEventsAsEvents(),
    rejectLargeEvents(l.max_event_tags, l.max_content_bytes, l.max_tag_bytes),
    rejectOutOfRangeTimestamps(l.created_at_past_seconds, l.created_at_future_seconds),
    rejectExpired(),
  );
}
