import { serializeEvent } from '../../nostr/frames.js';
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

/** The JSON stored in `raw`: exactly the NIP-01 fields, so no extra property of the object leaks into reads. */
export const rawJson: (ev: NostrEvent) => string = serializeEvent;
