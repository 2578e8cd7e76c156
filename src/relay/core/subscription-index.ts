import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';

/** A live subscription: a connection's filters under its subscription id. */
export type LiveSubscription<S> = { session: S; subId: string; filters: Filter[] };

// Each filter is filed under the one field most likely to be selective; a new event is then matched
// only against subscriptions filed under its id, author, kind or tags, plus the rare unindexed ones.
function keysOf(filter: Filter): string[] | undefined {
  if (filter.ids) return filter.ids.map((v) => `i:${v}`);
  if (filter.authors) return filter.authors.map((v) => `a:${v}`);
  if (filter.tags) {
    const [letter, values] = Object.entries(filter.tags)[0]!;
    return values.map((v) => `t:${letter}:${v}`);
  }
  if (filter.kinds) return filter.kinds.map((k) => `k:${k}`);
  return undefined;
}

/** Indexes live subscriptions so fanout looks only at candidates, not at every subscription. */
export class SubscriptionIndex<S> {
  private readonly byKey = new Map<string, Set<LiveSubscription<S>>>();
  private readonly unindexed = new Set<LiveSubscription<S>>();
  private total = 0;

  get size(): number {
    return this.total;
  }

  add(sub: LiveSubscription<S>): void {
    this.total++;
    for (const filter of sub.filters) {
      const keys = keysOf(filter);
      if (!keys) {
        this.unindexed.add(sub);
        continue;
      }
      for (const key of keys) {
        let set = this.byKey.get(key);
        if (!set) this.byKey.set(key, (set = new Set()));
        set.add(sub);
      }
    }
  }

  remove(sub: LiveSubscription<S>): void {
    this.total--;
    for (const filter of sub.filters) {
      const keys = keysOf(filter);
      if (!keys) {
        this.unindexed.delete(sub);
        continue;
      }
      for (const key of keys) {
        const set = this.byKey.get(key);
        if (!set) continue;
        set.delete(sub);
        if (set.size === 0) this.byKey.delete(key);
      }
    }
  }

  /** Subscriptions that may match the event (the caller still runs matchFilters). */
  candidates(ev: NostrEvent): Set<LiveSubscription<S>> {
    const out = new Set<LiveSubscription<S>>(this.unindexed);
    const addAll = (key: string) => {
      const set = this.byKey.get(key);
      if (set) for (const s of set) out.add(s);
    };
    addAll(`i:${ev.id}`);
    addAll(`a:${ev.pubkey}`);
    addAll(`k:${ev.kind}`);
    for (const tag of ev.tags) {
      if (tag.length > 1 && tag[0]!.length === 1) addAll(`t:${tag[0]}:${tag[1]}`);
    }
    return out;
  }
}
