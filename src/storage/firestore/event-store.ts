import { Timestamp, type CollectionReference } from '@google-cloud/firestore';
import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import type { EventStore, QueryOptions, SaveResult } from '../../storage/types.js';
import { ALL_EVENT_SHARDS } from './event-doc.js';
import { guarded, toStorageError, withTimeout } from './errors.js';
import { InFlight } from './in-flight.js';
import { queryFilters } from './event-query.js';
import { buildQuery, QUERY_SHAPES } from './query-shapes.js';
import { removeInTransaction } from './remove-events.js';
import { isPlainInsert, saveAsPlainInserts, saveInTransaction, type SaveItem, type SaveTarget } from './save-batch.js';

/** Tuning of the Firestore event store. */
export type FirestoreEventStoreOptions = {
  /** Deadline of one Firestore operation in ms (the driver's own retries run inside it). Default 10,000. */
  timeoutMs?: number;
  /** Events per transaction. Default 100. */
  maxBatchItems?: number;
  /** Largest estimated document accepted before asking Firestore (whose limit is 1 MiB). Default 1,000,000. */
  maxDocBytes?: number;
  /** Shared with the other users of the client, so closing waits for abandoned operations. */
  inFlight?: InFlight;
};

// A document is at most 1 MiB; keep room for the indexed fields beside `raw`.
const MAX_DOC_BYTES = 1_000_000;
// A commit is at most 10 MiB; keep a chunk's documents well under it.
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
// Keeps a commit under the emulator's (and older servers') 500-write limit.
const MAX_CHUNK_WRITES = 450;
const PURGE_PAGE = 200;
// gRPC code of a request the backend refuses as such (too large, bad value): retrying as is cannot help.
const INVALID_ARGUMENT = 3;
const encoder = new TextEncoder();

function docBytes(item: SaveItem): number {
  const ev = item.event;
  // `raw` is the event's JSON; tag_keys repeat the single-letter tags; the other fields are small.
  let tagKeyBytes = 0;
  for (const tag of ev.tags) if (tag[0]?.length === 1) tagKeyBytes += encoder.encode(tag[1] ?? '').length + 4;
  return encoder.encode(JSON.stringify(ev)).length + tagKeyBytes + 400;
}

function writesOf(item: SaveItem): number {
  return 3 + (item.deletion ? item.deletion.ids.length + 2 * item.deletion.addresses.length : 0);
}

/** Splits indexes of items into transaction-sized chunks, in order. */
function chunkIndexes(items: SaveItem[], maxItems: number, sizes: number[]): number[][] {
  const chunks: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  let writes = 0;
  items.forEach((item, i) => {
    const w = writesOf(item);
    const b = sizes[i] ?? 0;
    if (cur.length > 0 && (cur.length >= maxItems || bytes + b > MAX_CHUNK_BYTES || writes + w > MAX_CHUNK_WRITES)) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
      writes = 0;
    }
    cur.push(i);
    bytes += b;
    writes += w;
  });
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/**
 * EventStore on Firestore. Events are documents keyed by their (random) id; replaceable and
 * addressable versions are arbitrated through a pointer document per `kind:pubkey:d` inside the
 * same transaction as the write; NIP-09 tombstones take the deleted event's id. A batch costs one
 * read round trip and one commit per chunk of up to 100 events.
 */
export class FirestoreEventStore implements EventStore {
  private readonly timeoutMs: number;
  private readonly maxBatchItems: number;
  private readonly inFlight: InFlight;
  private readonly maxDocBytes: number;

  constructor(
    private readonly target: SaveTarget,
    opts: FirestoreEventStoreOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBatchItems = opts.maxBatchItems ?? 100;
    this.inFlight = opts.inFlight ?? new InFlight();
    this.maxDocBytes = opts.maxDocBytes ?? MAX_DOC_BYTES;
  }

  private get events(): CollectionReference {
    return this.target.events;
  }

  async saveBatch(items: SaveItem[]): Promise<SaveResult[]> {
    const results: SaveResult[] = new Array(items.length);
    const sizes = items.map(docBytes);
    const fits: number[] = [];
    sizes.forEach((size, i) => {
      if (size > this.maxDocBytes) results[i] = { status: 'error', error: toStorageError({ code: INVALID_ARGUMENT }) };
      else fits.push(i);
    });
    const fitting = fits.map((i) => items[i] as SaveItem);
    for (const chunk of chunkIndexes(fitting, this.maxBatchItems, fits.map((i) => sizes[i] ?? 0))) {
      const saved = await this.saveChunk(chunk.map((j) => fitting[j] as SaveItem));
      chunk.forEach((j, k) => (results[fits[j] as number] = saved[k] as SaveResult));
    }
    return results;
  }

  /**
   * Plain inserts first try one blind batch of create() (one round trip); anything else, or a batch
   * that hit an existing id, runs as one transaction (a read, then a commit). When the backend refuses the commit itself (not a transient
   * failure), the items are retried one by one so that a single bad item fails alone, as in SQLite.
   */
  private async saveChunk(items: SaveItem[]): Promise<SaveResult[]> {
    try {
      if (isPlainInsert(items)) {
        const inserted = await withTimeout(saveAsPlainInserts(this.target, items), this.timeoutMs, 'save', this.inFlight);
        if (inserted) return inserted;
      }
      return await withTimeout(saveInTransaction(this.target, items), this.timeoutMs, 'save', this.inFlight);
    } catch (err) {
      const error = toStorageError(err);
      const code = (err as { code?: unknown }).code;
      if (items.length > 1 && code === INVALID_ARGUMENT) {
        const out: SaveResult[] = [];
        for (const item of items) out.push(...(await this.saveChunk([item])));
        return out;
      }
      return items.map(() => ({ status: 'error', error }));
    }
  }

  async query(filters: Filter[], opts: QueryOptions = {}): Promise<NostrEvent[]> {
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    const { signal } = opts;
    signal?.throwIfAborted();
    const work = guarded('query', this.timeoutMs, () => queryFilters(filters, { col: this.events, now, signal }), this.inFlight);
    if (!signal) return work;
    // The driver cannot cancel a read: answer the abort at once and let the read finish unobserved.
    return Promise.race([work, abortPromise(signal)]).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : err;
    });
  }

  /**
   * NIP-45: distinct matches; a filter's own limit hides nothing from a count. With `max` each
   * filter reads at most `max` documents, so a count never reads a whole collection.
   */
  async count(filters: Filter[], opts: QueryOptions & { max?: number } = {}): Promise<number> {
    const bounded = filters.map((f) => ({ ...f, limit: opts.max }));
    const n = (await this.query(bounded, opts)).length;
    return opts.max === undefined ? n : Math.min(n, opts.max);
  }

  async has(id: string): Promise<boolean> {
    const snap = await guarded('has', this.timeoutMs, () => this.events.doc(id).get(), this.inFlight);
    return snap.exists && typeof snap.get('raw') === 'string';
  }

  async remove(ids: string[]): Promise<number> {
    let removed = 0;
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += PURGE_PAGE) {
      const part = unique.slice(i, i + PURGE_PAGE);
      removed += await guarded('remove', this.timeoutMs, () => removeInTransaction(this.events, this.target.coords, part), this.inFlight);
    }
    return removed;
  }

  async purgeExpired(now: number = Math.floor(Date.now() / 1000)): Promise<number> {
    let removed = 0;
    const cutoff = Timestamp.fromMillis(now * 1000);
    for (;;) {
      const q = buildQuery(this.events, QUERY_SHAPES.eventsExpired, [ALL_EVENT_SHARDS, cutoff]).limit(PURGE_PAGE);
      const snap = await guarded('purge', this.timeoutMs, () => q.get(), this.inFlight);
      if (snap.empty) return removed;
      const n = await this.remove(snap.docs.map((d) => d.id));
      removed += n;
      // Documents already gone (a racing purge on another instance) would loop forever otherwise.
      if (n === 0 || snap.size < PURGE_PAGE) return removed;
    }
  }

  async health(): Promise<void> {
    // A point read of a document that need not exist: one cheap read that proves the backend answers.
    await guarded('health', this.timeoutMs, () => this.target.coords.doc('%health').get(), this.inFlight);
  }

  async close(): Promise<void> {
    // The Firestore client is shared with the KV store and the watcher; Storage.close() terminates it.
  }
}
