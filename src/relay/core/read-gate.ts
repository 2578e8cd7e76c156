import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import type { ReadGate, SessionContext } from '../hooks.js';

/**
 * The one read gate: combines every ReadGate (core and extensions). Every read path — stored
 * REQ results, live fanout, COUNT, REST — calls it. All gates concerned by a kind must allow.
 */
export type CombinedReadGate = {
  canRead(ctx: SessionContext, ev: NostrEvent): boolean;
  /** True when some gate may hide events these filters match (COUNT must then look at events). */
  mayGate(filters: Filter[]): boolean;
};

/** Builds the combined gate over a live array of gates (extensions may register later). */
export function combineReadGates(gates: ReadGate[]): CombinedReadGate {
  return {
    canRead(ctx, ev) {
      for (const gate of gates) {
        if (gate.kinds && !gate.kinds.includes(ev.kind)) continue;
        if (!gate.canRead(ctx, ev)) return false;
      }
      return true;
    },
    mayGate(filters) {
      for (const gate of gates) {
        if (!gate.kinds) return true;
        for (const f of filters) {
          if (!f.kinds || f.kinds.some((k) => gate.kinds!.includes(k))) return true;
        }
      }
      return false;
    },
  };
}
