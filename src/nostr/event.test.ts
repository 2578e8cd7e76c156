import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import {
  checkEventShape,
  compareNewestFirst,
  computeEventId,
  firstTagValue,
  isHex64,
  serializeForId,
  tagValues,
  type NostrEvent,
} from './event.js';

const HEX = 'ab'.repeat(32);

function wellFormed(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: HEX, pubkey: HEX, sig: 'cd'.repeat(64), created_at: 1700000000, kind: 1, tags: [['p', HEX]], content: '', ...over };
}

describe('isHex64', () => {
  it('accepts lowercase 64-char hex only', () => {
    expect(isHex64(HEX)).toBe(true);
    expect(isHex64(HEX.toUpperCase())).toBe(false);
    expect(isHex64(HEX.slice(1))).toBe(false);
    expect(isHex64(`${HEX}0`)).toBe(false);
    expect(isHex64(`${HEX.slice(1)}g`)).toBe(false);
    expect(isHex64(42)).toBe(false);
  });
});

describe('checkEventShape', () => {
  it('accepts a well-formed event', () => {
    expect(checkEventShape(wellFormed())).toBeUndefined();
    expect(checkEventShape(wellFormed({ kind: 0, created_at: 0, tags: [] }))).toBeUndefined();
    expect(checkEventShape(wellFormed({ kind: 65535 }))).toBeUndefined();
  });

  it.each([
    ['not an object', null, /object/],
    ['an array', [], /object/],
    ['uppercase id', wellFormed({ id: HEX.toUpperCase() }), /^id/],
    ['short pubkey', wellFormed({ pubkey: 'ab' }), /^pubkey/],
    ['short sig', wellFormed({ sig: 'cd'.repeat(63) }), /^sig/],
    ['negative created_at', wellFormed({ created_at: -1 }), /created_at/],
    ['fractional created_at', wellFormed({ created_at: 1.5 }), /created_at/],
    ['unsafe created_at', wellFormed({ created_at: 2 ** 53 }), /created_at/],
    ['kind above 65535', wellFormed({ kind: 65536 }), /kind/],
    ['kind as string', wellFormed({ kind: '1' }), /kind/],
    ['content not a string', wellFormed({ content: 1 }), /content/],
    ['tags not an array', wellFormed({ tags: {} }), /tags must be an array/],
    ['an empty tag', wellFormed({ tags: [[]] }), /non-empty/],
    ['a tag that is a string', wellFormed({ tags: ['p'] }), /non-empty array/],
    ['a number inside a tag', wellFormed({ tags: [['p', 1]] }), /strings/],
  ])('refuses %s', (_what, value, why) => {
    expect(checkEventShape(value)).toMatch(why);
  });
});

describe('event id', () => {
  it('is the sha256 of the NIP-01 serialization, the same as nostr-tools computes', () => {
    const signed = finalizeEvent({ kind: 1, tags: [['t', 'quote"back\\slash']], content: 'line\nbreak \u2028 🎉', created_at: 1700000000 }, generateSecretKey());
    expect(computeEventId(signed)).toBe(signed.id);
    expect(serializeForId(signed)).toBe(JSON.stringify([0, signed.pubkey, signed.created_at, signed.kind, signed.tags, signed.content]));
  });

  it('changes with any signed field', () => {
    const base = { pubkey: HEX, created_at: 1, kind: 1, tags: [], content: 'x' };
    const id = computeEventId(base);
    expect(computeEventId({ ...base, content: 'y' })).not.toBe(id);
    expect(computeEventId({ ...base, kind: 2 })).not.toBe(id);
    expect(computeEventId({ ...base, tags: [['t', 'x']] })).not.toBe(id);
    expect(computeEventId({ ...base, created_at: 2 })).not.toBe(id);
  });
});

describe('tag readers', () => {
  const ev = { tags: [['d'], ['d', 'first'], ['d', 'second'], ['p', 'a', 'wss://r'], ['p', 'b'], ['pp', 'c']] };

  it('firstTagValue skips tags without a value', () => {
    expect(firstTagValue(ev, 'd')).toBe('first');
    expect(firstTagValue(ev, 'e')).toBeUndefined();
  });

  it('tagValues lists every value of one exact name', () => {
    expect(tagValues(ev, 'p')).toEqual(['a', 'b']);
    expect(tagValues(ev, 'd')).toEqual(['first', 'second']);
    expect(tagValues(ev, 'x')).toEqual([]);
  });
});

describe('compareNewestFirst', () => {
  const at = (created_at: number, id: string) => ({ created_at, id }) as NostrEvent;

  it('puts newer first and breaks ties by the lowest id (NIP-01)', () => {
    const events = [at(1, 'b'), at(2, 'c'), at(1, 'a'), at(3, 'z'), at(2, 'a')];
    expect(events.sort(compareNewestFirst).map((e) => `${e.created_at}${e.id}`)).toEqual(['3z', '2a', '2c', '1a', '1b']);
    expect(compareNewestFirst(at(1, 'a'), at(1, 'a'))).toBe(0);
  });
});
