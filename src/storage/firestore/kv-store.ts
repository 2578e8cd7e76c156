import {
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type Firestore,
  type QueryDocumentSnapshot,
} from '@google-cloud/firestore';
import type { KeyValueStore, KvEntry, KvListOptions, KvUpdateFn, KvWriteOptions } from '../../storage/types.js';
import { guarded } from './errors.js';
import { InFlight } from './in-flight.js';
import { toDocId } from './ids.js';
import { buildQuery, QUERY_SHAPES } from './query-shapes.js';

/**
 * A KV document: the key in clear (document ids are escaped, see toDocId), the value as JSON (so
 * nested arrays and exact numbers survive), and an optional `expires_at` for the TTL policy.
 */
type KvDoc = { key: string; json: string; expires_at?: Timestamp };

const PAGE = 200;
// One document is the whole contention domain of an update (a KeyPackage claim, a counter): allow
// more attempts than the driver's default 5 before answering `storage busy`. The deadline still bounds it.
const UPDATE_OPTIONS = { maxAttempts: 10 };
// Firestore orders strings by UTF-8 bytes; no key with `prefix` sorts at or above prefix + U+10FFFF.
const MAX_CHAR = '\u{10FFFF}';

function isLive(data: DocumentData | undefined, nowMs: number): data is KvDoc {
  if (!data || typeof data.json !== 'string') return false;
  const exp = data.expires_at as Timestamp | undefined;
  return exp === undefined || exp.toMillis() > nowMs;
}

/**
 * KeyValueStore on Firestore: each collection is `<prefix>kv/<collection>/entries`, so one TTL
 * policy on the `entries` collection group covers every collection. Expired documents are hidden
 * at once, before the TTL policy gets round to deleting them.
 */
export class FirestoreKeyValueStore implements KeyValueStore {
  constructor(
    private readonly db: Firestore,
    private readonly prefix: string,
    private readonly timeoutMs = 10_000,
    private readonly inFlight = new InFlight(),
  ) {}

  private entries(collection: string): CollectionReference {
    return this.db.collection(`${this.prefix}kv`).doc(toDocId(collection)).collection('entries');
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    const snap = await guarded('kv get', this.timeoutMs, () => this.entries(collection).doc(toDocId(key)).get(), this.inFlight);
    const data = snap.data();
    return isLive(data, Date.now()) ? (JSON.parse(data.json) as T) : undefined;
  }

  async put<T>(collection: string, key: string, value: T, opts: KvWriteOptions = {}): Promise<void> {
    const doc: KvDoc = { key, json: JSON.stringify(value) };
    if (opts.expiresAt !== undefined) doc.expires_at = Timestamp.fromMillis(opts.expiresAt * 1000);
    await guarded('kv put', this.timeoutMs, () => this.entries(collection).doc(toDocId(key)).set(doc), this.inFlight);
  }

  async delete(collection: string, key: string): Promise<void> {
    await guarded('kv delete', this.timeoutMs, () => this.entries(collection).doc(toDocId(key)).delete(), this.inFlight);
  }

  async list<T>(collection: string, opts: KvListOptions = {}): Promise<KvEntry<T>[]> {
    const { prefix, limit, after } = opts;
    if (limit === 0) return [];
    // From the cursor when it lies past the prefix (the cursor itself is skipped below).
    const from = after !== undefined && after > (prefix ?? '') ? after : prefix;
    const range = [from || undefined, prefix ? prefix + MAX_CHAR : undefined];
    const base = buildQuery(this.entries(collection), QUERY_SHAPES.kvByKey, range);
    const out: KvEntry<T>[] = [];
    const nowMs = Date.now();
    return guarded('kv list', this.timeoutMs, async () => {
      let cursor: QueryDocumentSnapshot | undefined;
      for (;;) {
        let q = base.limit(PAGE);
        if (cursor) q = q.startAfter(cursor);
        const snap = await q.get();
        for (const doc of snap.docs) {
          const data = doc.data();
          if (!isLive(data, nowMs) || (prefix && !data.key.startsWith(prefix)) || (after !== undefined && data.key <= after)) continue;
          out.push({ key: data.key, value: JSON.parse(data.json) as T });
          if (limit !== undefined && out.length >= limit) return out;
        }
        if (snap.size < PAGE) return out;
        cursor = snap.docs[snap.docs.length - 1];
      }
    }, this.inFlight);
  }

  async update<T>(collection: string, key: string, fn: KvUpdateFn<T>, opts: KvWriteOptions = {}): Promise<T | undefined> {
    const ref = this.entries(collection).doc(toDocId(key));
    // An error thrown by fn is the caller's, not the backend's: it is passed on unchanged.
    let fnError: { error: unknown } | undefined;
    const apply = (current: T | undefined): T | undefined => {
      try {
        return fn(current);
      } catch (error) {
        fnError = { error };
        throw error;
      }
    };
    try {
      return await guarded(
        'kv update',
        this.timeoutMs,
        () =>
          this.db.runTransaction(async (tx) => {
            const snap = await tx.get(ref);
            const data = snap.data();
            const live = isLive(data, Date.now());
            const current = live ? (JSON.parse(data.json) as T) : undefined;
            const next = apply(current);
            // fn handed the document back unchanged (a refusal, a cap reached): no write, so a document that is
            // only read-checked under load (a sender at its mailbox cap) does not become a hot one.
            if (next !== undefined && next === current) return next;
            if (next === undefined) {
              if (snap.exists) tx.delete(ref);
              return undefined;
            }
            const doc: KvDoc = { key, json: JSON.stringify(next) };
            // An update keeps the expiry of a live document (a claim stays on its deadline); a new one gets opts.expiresAt.
            if (live && data.expires_at) doc.expires_at = data.expires_at;
            else if (!live && opts.expiresAt !== undefined) doc.expires_at = Timestamp.fromMillis(opts.expiresAt * 1000);
            tx.set(ref, doc);
            return next;
          }, UPDATE_OPTIONS),
        this.inFlight,
      );
    } catch (err) {
      if (fnError) throw fnError.error;
      throw err;
    }
  }
}
