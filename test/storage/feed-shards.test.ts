import { describe, expect, it } from 'vitest';
import { EVENT_SHARDS, eventShard } from '../../src/storage/firestore/event-doc.js';
import { feedShardValues } from '../../src/storage/firestore/watch.js';

// Issue 18: the live feed's listeners split the 16 event shards between them, each shard to exactly one.
describe('feed shards', () => {
  it('gives every event shard to exactly one listener, for every listener count', () => {
    for (let n = 1; n <= EVENT_SHARDS; n++) {
      const all = Array.from({ length: n }, (_, i) => feedShardValues(i, n)).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: EVENT_SHARDS }, (_, i) => i));
      // At most 30 values per `in` (Firestore's limit), and balanced within one.
      const sizes = Array.from({ length: n }, (_, i) => feedShardValues(i, n).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('shards an event by the first hex digit of its id', () => {
    expect(eventShard('0'.repeat(64))).toBe(0);
    expect(eventShard(`f${'0'.repeat(63)}`)).toBe(15);
    expect(eventShard(`A${'0'.repeat(63)}`)).toBe(10);
  });
});
