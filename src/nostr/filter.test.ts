import { describe, expect, it } from 'vitest';
import type { NostrEvent } from './event.js';
import { filterValueCount, isEmptyFilter, matchFilter, matchFilters, parseFilter, shareLimits, type Filter } from './filter.js';

const LIMITS = { maxLimit: 500, maxValuesPerField: 3 };
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const ev: NostrEvent = {
  id: A,
  pubkey: B,
  created_at: 100,
  kind: 7,
  tags: [['e', 'x'], ['e', 'y'], ['p', B, 'wss://r'], ['t'], ['ab', 'multi']],
  content: '',
  sig: 'c'.repeat(128),
};

describe('parseFilter', () => {
  it('reads every NIP-01 field, keying tag filters by their letter', () => {
    const parsed = parseFilter({ ids: [A], authors: [B], kinds: [1, 7], '#e': ['x'], '#P': ['Q'], since: 1, until: 2, limit: 10 }, LIMITS);
    expect(parsed).toEqual({ ids: [A], authors: [B], kinds: [1, 7], tags: { e: ['x'], P: ['Q'] }, since: 1, until: 2, limit: 10 });
  });

  it('removes duplicate values and keeps empty lists (they match nothing)', () => {
    expect(parseFilter({ kinds: [1, 1, 2], authors: [A, A], '#e': ['x', 'x'] }, LIMITS)).toEqual({ kinds: [1, 2], authors: [A], tags: { e: ['x'] } });
    expect(parseFilter({ ids: [], '#e': [] }, LIMITS)).toEqual({ ids: [], tags: { e: [] } });
  });

  it('clamps limit to maxLimit (NIP-11 max_limit) and keeps limit 0', () => {
    expect(parseFilter({ limit: 10_000 }, LIMITS)).toEqual({ limit: 500 });
    expect(parseFilter({ limit: 0 }, LIMITS)).toEqual({ limit: 0 });
  });

  it('cuts a NIP-50 search to 1024 characters', () => {
    expect((parseFilter({ search: 's'.repeat(2000) }, LIMITS) as Filter).search).toHaveLength(1024);
  });

  it.each([
    ['not an object', 'x', /object/],
    ['an array', [], /object/],
    ['uppercase hex id', { ids: [A.toUpperCase()] }, /ids values must be 64 lowercase hex/],
    ['a prefix id', { ids: ['aa'] }, /ids values must be 64 lowercase hex/],
    ['authors not a list', { authors: A }, /authors must be an array/],
    ['too many values', { kinds: [1, 2, 3, 4] }, /more than 3/],
    ['too many tag values', { '#e': ['1', '2', '3', '4'] }, /more than 3/],
    ['a kind out of range', { kinds: [65536] }, /kinds must be integers/],
    ['a fractional kind', { kinds: [1.5] }, /kinds must be integers/],
    ['a negative since', { since: -1 }, /since/],
    ['until as string', { until: '5' }, /until/],
    ['a negative limit', { limit: -1 }, /limit/],
    ['a tag value not a string', { '#e': [1] }, /strings/],
    ['a tag value over 1024 characters', { '#e': ['x'.repeat(1025)] }, /1024/],
    ['a multi-letter tag (not indexed, NIP-01)', { '#ab': ['multi'] }, /unknown filter field "#ab"/],
    ['an unknown field', { foo: 1 }, /unknown filter field "foo"/],
    ['search not a string', { search: 1 }, /search/],
  ])('refuses %s', (_what, value, why) => {
    expect(parseFilter(value, LIMITS)).toMatch(why);
  });
});

describe('matchFilter', () => {
  it('matches on every field it lists, and an empty filter matches everything', () => {
    expect(matchFilter({}, ev)).toBe(true);
    expect(matchFilter({ ids: [B, A], authors: [B], kinds: [7], since: 100, until: 100 }, ev)).toBe(true);
  });

  it.each<[string, Filter]>([
    ['another id', { ids: [B] }],
    ['another author', { authors: [A] }],
    ['another kind', { kinds: [1] }],
    ['since after it', { since: 101 }],
    ['until before it', { until: 99 }],
    ['an empty id list', { ids: [] }],
    ['an empty tag list', { tags: { e: [] } }],
    ['a search (no NIP-50 here)', { search: 'x' }],
  ])('refuses %s', (_what, filter) => {
    expect(matchFilter(filter, ev)).toBe(false);
  });

  it('ORs the values of one letter and ANDs the letters', () => {
    expect(matchFilter({ tags: { e: ['nope', 'y'] } }, ev)).toBe(true);
    expect(matchFilter({ tags: { e: ['x'], p: [B] } }, ev)).toBe(true);
    expect(matchFilter({ tags: { e: ['x'], p: [A] } }, ev)).toBe(false);
  });

  it('compares only the first value of a tag, and a tag without a value matches nothing', () => {
    expect(matchFilter({ tags: { p: ['wss://r'] } }, ev)).toBe(false);
    expect(matchFilter({ tags: { t: [''] } }, ev)).toBe(false);
  });

  it('tag letters are case-sensitive', () => {
    expect(matchFilter({ tags: { E: ['x'] } }, ev)).toBe(false);
  });

  it('ignores limit (the store applies it)', () => {
    expect(matchFilter({ limit: 0 }, ev)).toBe(true);
  });

  it('matchFilters is true when any filter matches', () => {
    expect(matchFilters([{ kinds: [1] }, { authors: [B] }], ev)).toBe(true);
    expect(matchFilters([{ kinds: [1] }, { authors: [A] }], ev)).toBe(false);
    expect(matchFilters([], ev)).toBe(false);
  });
});

describe('isEmptyFilter', () => {
  it.each<[Filter, boolean]>([
    [{}, false],
    [{ limit: 0 }, true],
    [{ limit: 1 }, false],
    [{ search: '' }, true],
    [{ ids: [] }, true],
    [{ authors: [] }, true],
    [{ kinds: [] }, true],
    [{ tags: { e: ['x'], p: [] } }, true],
    [{ since: 2, until: 1 }, true],
    [{ since: 1, until: 1 }, false],
  ])('%j → %s', (filter, empty) => {
    expect(isEmptyFilter(filter)).toBe(empty);
  });
});

describe('filterValueCount', () => {
  it('adds ids, authors, kinds and every tag value', () => {
    expect(filterValueCount({})).toBe(0);
    expect(filterValueCount({ ids: [A], authors: [A, B], kinds: [1], tags: { e: ['1', '2'], p: ['3'] }, limit: 9 })).toBe(7);
  });
});

describe('shareLimits', () => {
  it('leaves filters alone when their limits fit the budget', () => {
    const filters = [{ limit: 3 }, { limit: 2 }];
    expect(shareLimits(filters, 5)).toBe(filters);
  });

  it('scales limits down in proportion, never below 1, without changing the input', () => {
    const filters: Filter[] = [{ limit: 900, kinds: [1] }, { limit: 100 }, { limit: 1 }];
    expect(shareLimits(filters, 100).map((f) => f.limit)).toEqual([89, 9, 1]);
    expect(filters[0]).toEqual({ limit: 900, kinds: [1] });
  });
});
