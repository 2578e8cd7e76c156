import type { NostrEvent } from '../../nostr/event.js';
import { matchFilters, type Filter } from '../../nostr/filter.js';
import { serializeEvent } from '../../nostr/frames.js';
import { narrowResults, type OverwriteResults, type SessionContext } from '../hooks.js';
import type { CombinedReadGate } from './read-gate.js';
import { SubscriptionIndex, type LiveSubscription } from './subscription-index.js';

/**
 * Who receives live events: an actor (the read gate asks who it is) that can take an event's JSON
 * for one of its subscriptions. A WebSocket session frames it as `["EVENT", subId, json]`.
 */
export type Subscriber = SessionContext & {
  readonly closed: boolean;
  /** Sends one event; false when it was not sent (closed, or dropped as a slow reader). */
  deliver(subId: string, json: string): boolean;
};

/** Remembers the last `capacity` ids in insertion order (an event reaches subscribers once). */
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
 * The one live path: every committed (or ephemeral) event — from this process's writer after its
 * observers, or from another instance through the store's feed — enters through `fanout`, once per
 * id, and reaches every matching subscription the read gate allows. Serialized once for all.
 */
export class LiveFanout<S extends Subscriber = Subscriber> {
  private readonly index = new SubscriptionIndex<S>();
  private readonly recent = new RecentIds(50_000);

  constructor(
    private readonly gate: CombinedReadGate,
    private readonly overwrite: OverwriteResults[] = [],
    private readonly onSent: (n: number) => void = () => {},
  ) {}

  /** Live subscriptions held. */
  get size(): number {
    return this.index.size;
  }

  /** Starts delivering events matching `filters` to `session` under `subId`. */
  subscribe(session: S, subId: string, filters: Filter[]): LiveSubscription<S> {
    const sub = { session, subId, filters };
    this.index.add(sub);
    return sub;
  }

  unsubscribe(sub: LiveSubscription<S>): void {
    this.index.remove(sub);
  }

  /** Delivers once per id: a second call with the same id (e.g. from another instance) is ignored. The number sent. */
  fanout(ev: NostrEvent): number {
    if (!this.recent.add(ev.id)) return 0;
    let json: string | undefined;
    let sent = 0;
    for (const sub of this.index.candidates(ev)) {
      const session = sub.session;
      if (session.closed || !matchFilters(sub.filters, ev) || !this.gate.canRead(session, ev)) continue;
      json ??= serializeEvent(ev);
      if (this.overwrite.length > 0) {
        void this.deliverNarrowed(sub, ev, json);
        continue;
      }
      if (session.deliver(sub.subId, json)) sent++;
    }
    if (sent > 0) this.onSent(sent);
    return sent;
  }

  // Hooks that narrow results (one-time KeyPackage claims) run per subscriber before sending.
  private async deliverNarrowed(sub: LiveSubscription<S>, ev: NostrEvent, json: string): Promise<void> {
    try {
      const events = await narrowResults(this.overwrite, sub.session, sub.filters, [ev], 'live');
      if (events.length > 0 && sub.session.deliver(sub.subId, json)) this.onSent(1);
    } catch {
      // A failing hook withholds the event from this subscriber only.
    }
  }
}
