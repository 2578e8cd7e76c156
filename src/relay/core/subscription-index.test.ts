import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../../test/differential/corpus.js';
import { generateFilters } from '../../../test/differential/filters.js';
import { seededRng } from '../../../test/differential/rng.js';
import type { NostrEvent } from '../../nostr/event.js';
import { matchFilters, type Filter } from '../../nostr/filter.js';
import { SubscriptionIndex, type LiveSubscription } from './subscription-index.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const ev = (over: Partial<NostrEvent> = {}): NostrEvent => ({ id: A, pubkey: B, created_at: 1, kind: 1, tags: [], content: '', sig: '', ...over });
const sub = (subId: string, ...filters: Filter[]): LiveSubscription<string> => ({ session: 'conn', subId, filters });
const ids = (set: Set<LiveSubscription<string>>) => [...set].map((s) => s.subId).sort();

describe('SubscriptionIndex', () => {
  it('files each filter under one field and offers only the subscriptions an event could match', () => {
    const index = new SubscriptionIndex<string>();
    index.add(sub('by-id', { ids: [A] }));
    index.add(sub('by-author', { authors: [A] }));
    index.add(sub('by-tag', { tags: { e: ['x'] }, kinds: [1] }));
    index.add(sub('by-kind', { kinds: [7] }));
    index.add(sub('anything', { since: 0 }));
    expect(ids(index.candidates(ev()))).toEqual(['anything', 'by-id']);
    expect(ids(index.candidates(ev({ id: B, pubkey: A, kind: 7 })))).toEqual(['anything', 'by-author', 'by-kind']);
    expect(ids(index.candidates(ev({ id: B, tags: [['e', 'x']] })))).toEqual(['anything', 'by-tag']);
  });

  it('looks up single-letter tags only, by their first value', () => {
    const index = new SubscriptionIndex<string>();
    index.add(sub('tag', { tags: { t: ['x'] } }));
    expect(ids(index.candidates(ev({ id: B, tags: [['title', 'x'], ['t'], ['t', 'y', 'x']] })))).toEqual([]);
    expect(ids(index.candidates(ev({ id: B, tags: [['t', 'x']] })))).toEqual(['tag']);
  });

  it('offers a subscription once however many of its filters and keys hit, and forgets it on remove', () => {
    const index = new SubscriptionIndex<string>();
    const both = sub('both', { authors: [B] }, { ids: [A] }, { kinds: [1] }, {});
    const other = sub('other', { authors: [B] });
    index.add(both);
    index.add(other);
    expect(index.size).toBe(2);
    expect([...index.candidates(ev())].filter((s) => s === both)).toHaveLength(1);
    index.remove(both);
    expect(index.size).toBe(1);
    expect(ids(index.candidates(ev()))).toEqual(['other']);
    index.remove(other);
    expect(index.size).toBe(0);
    expect(index.candidates(ev()).size).toBe(0);
  });

  // The index may offer too much (fanout runs matchFilters after it), never too little.
  it('never misses a subscription that matches: generated filters against generated events', () => {
    const rng = seededRng(0x1dc5);
    const corpus = generateCorpus(rng, 80);
    const index = new SubscriptionIndex<string>();
    const subs = Array.from({ length: 400 }, (_, i) => sub(`s${i}`, ...generateFilters(rng, corpus, 1 + rng.int(3))));
    for (const s of subs) index.add(s);
    for (const s of subs.filter((_, i) => i % 5 === 0)) index.remove(s);
    const live = subs.filter((_, i) => i % 5 !== 0);
    expect(index.size).toBe(live.length);
    for (const event of corpus.events) {
      const candidates = index.candidates(event);
      const missed = live.filter((s) => matchFilters(s.filters, event) && !candidates.has(s));
      expect(missed.map((s) => s.filters)).toEqual([]);
      expect([...candidates].every((s) => live.includes(s))).toBe(true);
    }
  });
});
