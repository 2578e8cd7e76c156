import type { NostrEvent } from '../nostr/event.js';
import { matchFilters } from '../nostr/filter.js';
import { eventFrame, serializeEvent } from '../nostr/frames.js';
import type { OverwriteResults } from './hooks.js';
import type { CombinedReadGate } from './read-gate.js';
import type { Session } from './session.js';
import { SubscriptionIndex, type LiveSubscription } from './subscription-index.js';

/** Remembers the last `capacity` ids in insertion order (dedupe of local and cross-instance broadcasts). */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  /** Adds the id; false when it was already there. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

/**
 * Live fanout: sends a newly committed (or ephemeral) event to every matching subscription that
 * the read gate allows. The event is serialized once for all subscribers.
 */
export class LiveFanout {
  readonly index = new SubscriptionIndex<Session>();
  private readonly recent = new RecentIds(50_000);

  constructor(
    private readonly gate: CombinedReadGate,
    private readonly overwrite: OverwriteResults[] = [],
    private readonly onSent: (n: number) => void = () => {},
  ) {}

  /** Broadcasts once per id: a second call with the same id (e.g. from another instance) is ignored. */
  broadcast(ev: NostrEvent): number {
    if (!this.recent.add(ev.id)) return 0;
    let json: string | undefined;
    let sent = 0;
    for (const sub of this.index.candidates(ev)) {
      const session = sub.session;
      if (session.closed || !matchFilters(sub.filters, ev) || !this.gate.canRead(session, ev)) continue;
      json ??= serializeEvent(ev);
      if (this.overwrite.length > 0) {
        void this.sendNarrowed(sub, ev, json);
        continue;
      }
      if (session.send(eventFrame(sub.subId, json))) sent++;
    }
    if (sent > 0) this.onSent(sent);
    return sent;
  }

  // Hooks that narrow results (one-time KeyPackage claims) run per subscriber before sending.
  private async sendNarrowed(sub: LiveSubscription<Session>, ev: NostrEvent, json: string): Promise<void> {
    try {
      let events: NostrEvent[] = [ev];
      for (const hook of this.overwrite) events = await hook(sub.session, sub.filters, events, 'live');
      if (events.length > 0 && sub.session.send(eventFrame(sub.subId, json))) this.onSent(1);
    } catch {
      // A failing hook withholds the event from this subscriber only.
    }
  }
}
