import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { emulatorHost, freshProjectId, openEmulatorStorage } from '../storage/firestore-env.js';
import { countMismatches, describeMismatches, queryMismatches, saveCorpus } from './compare.js';
import { generateCorpus } from './corpus.js';
import { generateFilters } from './filters.js';
import { visibleAfterSaving } from './oracle.js';
import { seededRng } from './rng.js';

/**
 * The three-way version of filters-sqlite.test.ts: matchFilter (the reference), the SQLite store and
 * the Firestore store (emulator) get the same generated events and filters and must give the same
 * answers, events and order. Firestore plans each filter on one indexed field and checks the rest in
 * memory (src/storage/firestore/event-query.ts), SQLite compiles it to SQL: two more implementations
 * of one semantics.
 */
const SEED = 0x5eed_f135;
// Fewer than the unit tier's 3,000 (filters-sqlite.test.ts): each Firestore query costs the client
// ~10-20 ms of CPU (gRPC, decoding up to 300 documents), and this file should stay under a minute.
const SINGLE = 1500;
const SEVERAL = 150;
const COUNTED = 300;
// Several queries in flight keep the emulator's latency out of the wall time.
const CONCURRENCY = 8;

describe.skipIf(!emulatorHost)('differential: matchFilter, SQLite and Firestore agree on generated filters', () => {
  const rng = seededRng(SEED);
  const corpus = generateCorpus(rng, 300);
  const single = generateFilters(rng, corpus, SINGLE).map((f) => [f]);
  const several = Array.from({ length: SEVERAL }, () => generateFilters(rng, corpus, 2 + rng.int(3)));
  const stores: [string, Storage][] = [];

  beforeAll(async () => {
    stores.push(['sqlite', await openSqliteStorage({ path: ':memory:' })], ['firestore', await openEmulatorStorage(freshProjectId('diff'))]);
    await Promise.all(stores.map(([, s]) => saveCorpus(s.events, corpus)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(stores.map(([, s]) => s.close()));
  });

  it('both keep what NIP-01 keeps: one version per coordinate, newest then lowest id, none expired', async () => {
    const expected = visibleAfterSaving(corpus.events, corpus.now).map((ev) => ev.id);
    for (const [name, s] of stores) expect((await s.events.query([{}], { now: corpus.now })).map((ev) => ev.id), name).toEqual(expected);
  });

  it(`both answer ${SINGLE} single-filter and ${SEVERAL} multi-filter REQs with the same events, order and limits`, async () => {
    for (const [name, s] of stores) {
      const found = await queryMismatches(s.events, corpus, [...single, ...several], CONCURRENCY);
      expect(found, `${name}: ${describeMismatches(found)}`).toEqual([]);
    }
  }, 180_000);

  it('both count (NIP-45) the same distinct events', async () => {
    for (const [name, s] of stores) {
      const found = await countMismatches(s.events, corpus, [...single.slice(0, COUNTED), ...several], CONCURRENCY);
      expect(found, `${name}: ${describeMismatches(found)}`).toEqual([]);
    }
  }, 120_000);
});
