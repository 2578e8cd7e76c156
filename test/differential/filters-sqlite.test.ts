import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { countMismatches, describeMismatches, queryMismatches, saveCorpus } from './compare.js';
import { generateCorpus } from './corpus.js';
import { generateFilters } from './filters.js';
import { visibleAfterSaving } from './oracle.js';
import { seededRng } from './rng.js';

/**
 * The same generated filters through matchFilter (the reference, test/differential/oracle.ts) and
 * the SQLite store's query builder must give the same events in the same order. The three-way
 * version with Firestore is filters-firestore.test.ts. A failure prints the filters to replay.
 */
const SEED = 0x5eed_0013;

describe('differential: matchFilter and the SQLite store agree on generated filters', () => {
  const rng = seededRng(SEED);
  const corpus = generateCorpus(rng, 300);
  const single = generateFilters(rng, corpus, 3000).map((f) => [f]);
  const several = Array.from({ length: 300 }, () => generateFilters(rng, corpus, 2 + rng.int(3)));
  let storage: Storage;

  beforeAll(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    await saveCorpus(storage.events, corpus);
  });
  afterAll(async () => {
    await storage?.close();
  });

  it('keeps what NIP-01 keeps: one version per coordinate, newest then lowest id, none expired', async () => {
    const stored = (await storage.events.query([{}], { now: corpus.now })).map((ev) => ev.id);
    expect(stored).toEqual(visibleAfterSaving(corpus.events, corpus.now).map((ev) => ev.id));
  });

  it('answers 3,000 single-filter REQs with the same events, order and limits', async () => {
    const found = await queryMismatches(storage.events, corpus, single);
    expect(found, describeMismatches(found)).toEqual([]);
  });

  it('answers 300 REQs of several filters (each with its own limit, merged without duplicates)', async () => {
    const found = await queryMismatches(storage.events, corpus, several);
    expect(found, describeMismatches(found)).toEqual([]);
  });

  it('counts (NIP-45) the same distinct events, limits ignored', async () => {
    const found = await countMismatches(storage.events, corpus, [...single.slice(0, 1000), ...several]);
    expect(found, describeMismatches(found)).toEqual([]);
  });
});
