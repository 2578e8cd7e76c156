import { describe, expect, it } from 'vitest';
import { kindClass } from './kinds.js';

describe('kindClass (NIP-01)', () => {
  it.each([
    [0, 'replaceable'],
    [1, 'regular'],
    [2, 'regular'],
    [3, 'replaceable'],
    [4, 'regular'],
    [9999, 'regular'],
    [10000, 'replaceable'],
    [19999, 'replaceable'],
    [20000, 'ephemeral'],
    [29999, 'ephemeral'],
    [30000, 'addressable'],
    [39999, 'addressable'],
    [40000, 'regular'],
    [65535, 'regular'],
  ])('kind %i is %s', (kind, cls) => {
    expect(kindClass(kind)).toBe(cls);
  });
});
