import { parseFilter, type Filter } from '../../src/nostr/filter.js';
import type { Corpus } from './corpus.js';
import type { Rng } from './rng.js';

/** Generous parse limits: the generated filters stay within them, so parsing only normalizes (dedupes, keys tags). */
const PARSE_LIMITS = { maxLimit: 5000, maxValuesPerField: 100 };
const TAG_LETTERS = ['e', 'p', 't', 'h', 'd', 'E', 'P'];
const LIMITS = [0, 1, 2, 3, 5, 10, 25, 100, 5000];

/** Up to `max` values drawn from `pool` (with repeats, which parsing removes), sometimes none at all. */
function someOf<T>(rng: Rng, pool: readonly T[], max: number): T[] {
  if (rng.chance(0.04)) return [];
  return Array.from({ length: 1 + rng.int(max) }, () => rng.pick(pool));
}

function hexMiss(rng: Rng): string {
  return Buffer.from(rng.bytes32()).toString('hex');
}

/** A time near the corpus's range: inside it, on its edges, just outside, or 0. */
function timeNear(rng: Rng, [first, last]: [number, number]): number {
  if (rng.chance(0.05)) return 0;
  return first - 2 + rng.int(last - first + 5);
}

/**
 * One NIP-01 filter as a client sends it (`#x` keys, possible duplicates), then parsed as the relay
 * parses it. Fields are drawn independently, so combinations of every field appear, most of them
 * matching something in `corpus`.
 */
export function generateFilter(rng: Rng, corpus: Corpus): Filter {
  const wire: Record<string, unknown> = {};
  const ids = corpus.events.map((e) => e.id);
  if (rng.chance(0.12)) wire.ids = someOf(rng, [...ids, hexMiss(rng)], 4);
  if (rng.chance(0.35)) wire.authors = someOf(rng, [...corpus.pubkeys, hexMiss(rng)], 3);
  if (rng.chance(0.4)) wire.kinds = someOf(rng, [...corpus.kinds, 2, 30000], 4);
  const letters = rng.chance(0.45) ? 1 + rng.int(2) : 0;
  for (let i = 0; i < letters; i++) {
    const letter = rng.pick(TAG_LETTERS);
    const pool = [...(corpus.tagValues[letter] ?? []), 'miss'];
    wire[`#${letter}`] = someOf(rng, pool, 3);
  }
  if (rng.chance(0.3)) wire.since = timeNear(rng, corpus.timeRange);
  if (rng.chance(0.3)) wire.until = timeNear(rng, corpus.timeRange);
  if (rng.chance(0.45)) wire.limit = rng.pick(LIMITS);
  const parsed = parseFilter(wire, PARSE_LIMITS);
  if (typeof parsed === 'string') throw new Error(`generated an invalid filter ${JSON.stringify(wire)}: ${parsed}`);
  return parsed;
}

/** `count` filters from one seed. */
export function generateFilters(rng: Rng, corpus: Corpus, count: number): Filter[] {
  return Array.from({ length: count }, () => generateFilter(rng, corpus));
}
