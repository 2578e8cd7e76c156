import { compareNewestFirst, firstTagValue, type NostrEvent } from '../../src/nostr/event.js';
import { matchFilter, type Filter } from '../../src/nostr/filter.js';
import { kindClass } from '../../src/nostr/kinds.js';

/**
 * The reference answers, written from the NIPs with matchFilter and nothing of the stores: what a
 * store holds after saving `events` in order, and what a query of it returns.
 */

/** NIP-01 coordinate of a replaceable or addressable event (the d tag's value, '' when none), else undefined. */
function coordinate(ev: NostrEvent): string | undefined {
  const cls = kindClass(ev.kind);
  if (cls === 'replaceable') return `${ev.kind}:${ev.pubkey}`;
  if (cls === 'addressable') return `${ev.kind}:${ev.pubkey}:${firstTagValue(ev, 'd') ?? ''}`;
  return undefined;
}

/** NIP-40: expired at `now` when the first expiration tag holds a time not after it. */
function isExpired(ev: NostrEvent, now: number): boolean {
  const value = firstTagValue(ev, 'expiration');
  return value !== undefined && /^\d{1,15}$/.test(value) && Number(value) <= now;
}

/** The events a store shows at `now` after saving `events`: one version per coordinate (newest, then lowest id), none expired. */
export function visibleAfterSaving(events: readonly NostrEvent[], now: number): NostrEvent[] {
  const byKey = new Map<string, NostrEvent>();
  for (const ev of events) {
    const key = coordinate(ev) ?? ev.id;
    const held = byKey.get(key);
    if (!held || compareNewestFirst(ev, held) < 0) byKey.set(key, ev);
  }
  return [...byKey.values()].filter((ev) => !isExpired(ev, now)).sort(compareNewestFirst);
}

/** The ids one REQ with these filters returns: each filter's matches cut at its limit, merged, newest first. */
export function expectedIds(visible: readonly NostrEvent[], filters: readonly Filter[]): string[] {
  const ids = new Set<string>();
  for (const filter of filters) {
    const matches = visible.filter((ev) => matchFilter(filter, ev));
    for (const ev of matches.slice(0, filter.limit ?? matches.length)) ids.add(ev.id);
  }
  return visible.filter((ev) => ids.has(ev.id)).map((ev) => ev.id);
}

/** NIP-45: the number of distinct events any filter matches, limits ignored. */
export function expectedCount(visible: readonly NostrEvent[], filters: readonly Filter[]): number {
  return visible.filter((ev) => filters.some((f) => matchFilter({ ...f, limit: undefined }, ev))).length;
}
