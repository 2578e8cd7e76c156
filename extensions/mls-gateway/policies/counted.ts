import { ACCEPT, type Decision, type Reason } from '../../../src/nostr/reasons.js';
import type { GatewayMetrics } from '../metrics.js';

/**
 * Turns a rule's outcome into a Decision and counts refusals under `rule` (a fixed label, so
 * the metric's cardinality stays bounded).
 */
export function decide(metrics: GatewayMetrics, rule: string, refusal: Reason | undefined): Decision {
  if (!refusal) return ACCEPT;
  metrics.rejected.inc({ reason: rule });
  return { ok: false, reason: refusal };
}
