import type { Filter } from '../../src/nostr/filter.js';
import type { EventStore } from '../../src/storage/types.js';
import type { Corpus } from './corpus.js';
import { expectedCount, expectedIds, visibleAfterSaving } from './oracle.js';

/** One input on which a store and the reference disagree. */
export type Mismatch = { filters: Filter[]; expected: string[] | number; got: string[] | number };

/** Saves the corpus in order, in batches as the writer sends them. */
export async function saveCorpus(store: EventStore, corpus: Corpus, batchSize = 25): Promise<void> {
  for (let i = 0; i < corpus.events.length; i += batchSize) {
    const results = await store.saveBatch(corpus.events.slice(i, i + batchSize).map((event) => ({ event })));
    const failed = results.find((r) => r.status === 'error');
    if (failed) throw new Error(`saving the corpus failed: ${JSON.stringify(failed)}`);
  }
}

/** Runs `fn` over `items`, at most `concurrency` at a time (a remote store answers faster in parallel). */
async function inParallel<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Queries `store` with each request (a list of filters) and returns every request whose answer
 * differs from the reference: the same ids, in the same order (newest first, ties by lowest id).
 */
export async function queryMismatches(store: EventStore, corpus: Corpus, requests: readonly Filter[][], concurrency = 1): Promise<Mismatch[]> {
  const visible = visibleAfterSaving(corpus.events, corpus.now);
  const answers = await inParallel(requests, concurrency, (filters) => store.query(filters, { now: corpus.now }));
  return requests.flatMap((filters, i) => {
    const expected = expectedIds(visible, filters);
    const got = answers[i]!.map((ev) => ev.id);
    return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ filters, expected, got }];
  });
}

/** Counts with `store` (NIP-45) and returns every request whose count differs from the reference. */
export async function countMismatches(store: EventStore, corpus: Corpus, requests: readonly Filter[][], concurrency = 1): Promise<Mismatch[]> {
  const visible = visibleAfterSaving(corpus.events, corpus.now);
  const answers = await inParallel(requests, concurrency, (filters) => store.count(filters, { now: corpus.now }));
  return requests.flatMap((filters, i) => {
    const expected = expectedCount(visible, filters);
    return answers[i] === expected ? [] : [{ filters, expected, got: answers[i]! }];
  });
}

/** The first few mismatches, readable in a failure message. */
export function describeMismatches(found: Mismatch[], max = 5): string {
  return `${found.length} mismatches; first ${Math.min(max, found.length)}:\n${found
    .slice(0, max)
    .map((m) => JSON.stringify(m))
    .join('\n')}`;
}
