import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';

/** A live subscription: a connection's filters under its subscription id. */
export type LiveSubscription<S> = { session: S; subId: string; filters: Filter[] };

type Subs<S> = Set<LiveSubscription<S>>;

/**
 * Indexes live subscriptions so fanout looks only at candidates, not at every subscription. Each
 * filter is filed under the one field most likely to be selective (ids, authors, its first tag,
 * kinds); a new event is then matched only against the subscriptions filed under its id, author,
 * kind or tags, plus the rare unindexed ones. One map per field, keyed by the filter's own values:
 * filing a 20 × 200-value REQ builds no key strings (it was ~2.5 ms of the event loop per REQ, add
 * and remove, in the hostile-queries profile).
 */
export class SubscriptionIndex<S> {
  private readonly ids = new Map<string, Subs<S>>();
  private readonly authors = new Map<string, Subs<S>>();
  private readonly kinds = new Map<number, Subs<S>>();
  /** Tag letter → value → subscriptions. */
  private readonly tags = new Map<string, Map<string, Subs<S>>>();
  private readonly unindexed: Subs<S> = new Set();
  private total = 0;

  get size(): number {
    return this.total;
  }

  add(sub: LiveSubscription<S>): void {
    this.total++;
    const filed = this.file(sub, (buckets, key) => {
      let set = buckets.get(key);
      if (!set) buckets.set(key, (set = new Set()));
      set.add(sub);
    });
    if (!filed) this.unindexed.add(sub);
  }

  remove(sub: LiveSubscription<S>): void {
    this.total--;
    const filed = this.file(sub, (buckets, key) => {
      const set = buckets.get(key);
      if (!set) return;
      set.delete(sub);
      if (set.size === 0) buckets.delete(key);
    });
    if (!filed) this.unindexed.delete(sub);
  }

  /**
   * Calls `at` for every place `sub` is filed under: one per value of each filter's chosen field.
   * False when a filter has none of them (the subscription is then a candidate for every event).
   */
  private file(sub: LiveSubscription<S>, at: <K>(buckets: Map<K, Subs<S>>, key: K) => void): boolean {
    let indexed = true;
    for (const filter of sub.filters) {
      if (filter.ids) for (const v of filter.ids) at(this.ids, v);
      else if (filter.authors) for (const v of filter.authors) at(this.authors, v);
      else if (filter.tags) {
        const [letter, values] = Object.entries(filter.tags)[0]!;
        let byValue = this.tags.get(letter);
        if (!byValue) this.tags.set(letter, (byValue = new Map()));
        for (const v of values) at(byValue, v);
      } else if (filter.kinds) for (const k of filter.kinds) at(this.kinds, k);
      else indexed = false;
    }
    return indexed;
  }

  /** Subscriptions that may match the event (the caller still runs matchFilters). */
  candidates(ev: NostrEvent): Subs<S> {
    const out: Subs<S> = new Set(this.unindexed);
    const addAll = (set: Subs<S> | undefined): void => {
      if (set) for (const s of set) out.add(s);
    };
    addAll(this.ids.get(ev.id));
    addAll(this.authors.get(ev.pubkey));
    addAll(this.kinds.get(ev.kind));
    for (const tag of ev.tags) {
      if (tag.length > 1 && tag[0]!.length === 1) addAll(this.tags.get(tag[0]!)?.get(tag[1]!));
    }
    return out;
  }
}
