import { firstTagValue, type VerifiedEvent } from '../../nostr/event.js';
import { CLIENT_AUTH_KIND } from '../../nostr/kinds.js';
import { ACCEPT, reject, type Decision } from '../../nostr/reasons.js';
import type { RejectEvent } from '../hooks.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of all tag items; exact only when the cheap bound (3 bytes per UTF-16 unit) passes `limit`. */
function tagBytes(tags: string[][], limit: number): number {
  let bound = 0;
  for (const tag of tags) for (const item of tag) bound += item.length * 3;
  if (bound <= limit) return bound;
  let exact = 0;
  for (const tag of tags) for (const item of tag) exact += encoder.encode(item).length;
  return exact;
}

/**
 * Refuses events with more than `maxTags` tags, content above `maxContentBytes`, or tag values
 * above `maxTagBytes` altogether (UTF-8).
 */
export function rejectLargeEvents(maxTags: number, maxContentBytes: number, maxTagBytes = Infinity): RejectEvent {
  return (_ctx, ev) => {
    if (ev.tags.length > maxTags) return reject('invalid', `too many tags (${ev.tags.length} > ${maxTags})`);
    if (tagBytes(ev.tags, maxTagBytes) > maxTagBytes) return reject('invalid', `tags are larger than ${maxTagBytes} bytes`);
    // Cheap bound first: a JS string of n UTF-16 units encodes to at most 3n bytes.
    if (ev.content.length * 3 > maxContentBytes && encoder.encode(ev.content).length > maxContentBytes) {
      return reject('invalid', `content is larger than ${maxContentBytes} bytes`);
    }
    return ACCEPT;
  };
}

/** Refuses created_at further than `pastSeconds` in the past or `futureSeconds` in the future. */
export function rejectOutOfRangeTimestamps(pastSeconds: number, futureSeconds: number, clock = nowSeconds): RejectEvent {
  return (_ctx, ev) => {
    const now = clock();
    if (ev.created_at > now + futureSeconds) return reject('invalid', `created_at is more than ${futureSeconds}s in the future`);
    if (ev.created_at < now - pastSeconds) return reject('invalid', `created_at is more than ${pastSeconds}s in the past`);
    return ACCEPT;
  };
}

/** NIP-40: the expiration of an event, or undefined; NaN when the tag is malformed. */
export function expirationOf(ev: Pick<VerifiedEvent, 'tags'>): number | undefined {
  const raw = firstTagValue(ev, 'expiration');
  if (raw === undefined) return undefined;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
}

/** NIP-40: refuses events that have already expired or carry a malformed expiration. */
export function rejectExpired(clock = nowSeconds): RejectEvent {
  return (_ctx, ev): Decision => {
    const exp = expirationOf(ev);
    if (exp === undefined) return ACCEPT;
    if (Number.isNaN(exp)) return reject('invalid', 'expiration tag must be a unix timestamp');
    return exp <= clock() ? reject('invalid', 'event has expired') : ACCEPT;
  };
}

/** NIP-42: kind 22242 is sent with AUTH and is never stored or broadcast. */
export function rejectAuthEventsAsEvents(): RejectEvent {
  return (_ctx, ev) =>
    ev.kind === CLIENT_AUTH_KIND ? reject('invalid', 'kind 22242 is sent with AUTH, not EVENT') : ACCEPT;
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
