import { rememberedJson, serializeEvent } from '../../nostr/frames.js';
import { firstTagValue, type NostrEvent } from '../../nostr/event.js';
import { kindClass } from '../../nostr/kinds.js';

/**
 * Tag values longer than this are not indexed: a filter value is at most 1024 characters
 * (src/nostr/filter.ts), so a longer value can never match and would only bloat the index.
 */
export const MAX_INDEXED_TAG_VALUE = 1024;

const SINGLE_LETTER = /^[a-zA-Z]$/;
const EXPIRATION = /^\d{1,15}$/;

/**
 * The coordinate part `d` of an event: '' for replaceable kinds, the first `d` tag value (or '') for
 * addressable kinds, undefined for regular kinds, which have no coordinate. A `["d"]` tag without a
 * value is skipped, as the Firestore backend does (test/differential found the two disagreeing).
 */
export function coordinateD(ev: Pick<NostrEvent, 'kind' | 'tags'>): string | undefined {
  const cls = kindClass(ev.kind);
  if (cls === 'replaceable') return '';
  if (cls !== 'addressable') return undefined;
  return firstTagValue(ev, 'd') ?? '';
}

/** The NIP-40 expiration in unix seconds, when the first valued `expiration` tag holds a plain integer. */
export function expiresAtOf(ev: Pick<NostrEvent, 'tags'>): number | undefined {
  const value = firstTagValue(ev, 'expiration');
  return value !== undefined && EXPIRATION.test(value) ? Number(value) : undefined;
}

/** The distinct (letter, value) pairs of an event's single-letter tags that are worth indexing. */
export function indexedTags(ev: Pick<NostrEvent, 'tags'>): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const tag of ev.tags) {
    const [name, value] = tag;
    if (name === undefined || value === undefined || !SINGLE_LETTER.test(name)) continue;
    if (value.length > MAX_INDEXED_TAG_VALUE) continue;
    const key = `${name}\u0000${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([name, value]);
  }
  return out;
}

/**
 * The JSON stored in `raw` — exactly what serializeEvent gives (the seven NIP-01 fields in its order, so no
 * extra property of the object leaks into reads) — built by SQLite inside the INSERT from the event's
 * fields: `json_quote` escapes a string as JSON.stringify does (every BMP code point and astral character:
 * test/storage/sqlite-raw-json.test.ts), and the event loop no longer allocates the text (~2.3× the event in
 * JSON.stringify's builder, a quarter of what the event loop allocated per event of the ingest mix). The
 * tags are small and stringified here. A string with a lone surrogate is the exception: better-sqlite3
 * would bind it as U+FFFD, where JSON.stringify writes `\udXXX`, so such an event binds its JSON as `@raw`.
 */
export const RAW_JSON_SQL = `coalesce(@raw, '{"id":' || json_quote(@id) || ',"pubkey":' || json_quote(@pubkey) || ',"created_at":' || CAST(@created_at AS INTEGER) || ',"kind":' || CAST(@kind AS INTEGER) || ',"tags":' || @tags || ',"content":' || json_quote(@content) || ',"sig":' || json_quote(@sig) || '}')`;

/**
 * Every parameter of the events INSERT: RAW_JSON_SQL builds `raw` from them, or takes `@raw` — the text already
 * known for the event (the writer thread's and a cluster primary's, which received it), or one a string with a
 * lone surrogate needs.
 */
export function insertEventParams(ev: NostrEvent, d: string | null, expiresAt: number | null): Record<string, string | number | null> {
  const known = rememberedJson(ev);
  const bindable = known === undefined && ev.content.isWellFormed() && ev.id.isWellFormed() && ev.pubkey.isWellFormed() && ev.sig.isWellFormed();
  return {
    id: ev.id,
    pubkey: ev.pubkey,
    kind: ev.kind,
    created_at: ev.created_at,
    d,
    expires_at: expiresAt,
    sig: ev.sig,
    tags: bindable ? JSON.stringify(ev.tags) : null,
    content: bindable ? ev.content : null,
    raw: bindable ? null : (known ?? serializeEvent(ev)),
  };
}
