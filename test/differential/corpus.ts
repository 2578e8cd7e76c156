import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import type { VerifiedEvent } from '../../src/nostr/event.js';
import { kindClass } from '../../src/nostr/kinds.js';
import type { Rng } from './rng.js';

/**
 * Generated signed events for the differential filter tests: a few authors, kinds of every stored
 * class (regular, replaceable, addressable; no ephemeral, which never reach a store), created_at
 * values close enough to tie, and tags from small pools so filters hit them, with the awkward cases
 * (valueless, repeated, uppercase, multi-letter, extra elements, over-long values, expirations).
 */
export type Corpus = {
  events: VerifiedEvent[];
  pubkeys: string[];
  /** Values per tag letter that the events use (filters draw from them, plus misses). */
  tagValues: Record<string, string[]>;
  kinds: number[];
  /** The created_at range of the events: [first, last]. */
  timeRange: [number, number];
  /** The `now` queries run at: after every created_at, before the far-future expirations. */
  now: number;
};

/** Fixed base time: the inputs do not depend on when the test runs. */
const T = 1_700_000_000;
const SPAN = 60;

export const REGULAR_KINDS = [1, 4, 7, 9, 445, 1059];
export const REPLACEABLE_KINDS = [0, 3, 10002];
export const ADDRESSABLE_KINDS = [30023, 30443];

function hex64(rng: Rng): string {
  return Buffer.from(rng.bytes32()).toString('hex');
}

/** Pools of tag values, keyed by letter; some hex, some short words, one empty string. */
function tagPools(rng: Rng, pubkeys: string[]): Record<string, string[]> {
  return {
    e: Array.from({ length: 6 }, () => hex64(rng)),
    p: pubkeys,
    t: ['nostr', 'mls', 'Nostr', 'a b', ''],
    h: ['group-1', 'group-2', 'group-3'],
    d: ['', 'profile', 'x', 'settings'],
    E: ['root', 'reply'],
  };
}

function tagsFor(rng: Rng, kind: number, pools: Record<string, string[]>): string[][] {
  const tags: string[][] = [];
  const n = rng.int(6);
  for (let i = 0; i < n; i++) {
    const letter = rng.pick(Object.keys(pools));
    const tag = [letter, rng.pick(pools[letter]!)];
    if (rng.chance(0.15)) tag.push('wss://relay.example', 'marker');
    tags.push(tag);
    if (rng.chance(0.1)) tags.push([...tag]);
  }
  if (rng.chance(0.08)) tags.push(['t']);
  if (rng.chance(0.08)) tags.push(['d']);
  if (rng.chance(0.1)) tags.push(['title', rng.pick(pools.t!)]);
  if (rng.chance(0.05)) tags.push(['e', 'v'.repeat(1100)]);
  if (rng.chance(0.05)) tags.push(['expiration', rng.chance(0.5) ? String(T - 1) : String(T + 10_000_000)]);
  // Shuffled, so which tag of a letter comes first varies.
  const shuffled = rng.shuffle(tags);
  // An addressable event whose first d tag has no value: its address is the first d *value* (NIP-01).
  if (kindClass(kind) === 'addressable' && rng.chance(0.2)) shuffled.unshift(['d'], ['d', rng.pick(pools.d!)]);
  return shuffled;
}

function kindFor(rng: Rng): number {
  const r = rng.next();
  if (r < 0.65) return rng.pick(REGULAR_KINDS);
  if (r < 0.82) return rng.pick(REPLACEABLE_KINDS);
  return rng.pick(ADDRESSABLE_KINDS);
}

/** `count` events signed by `authors` generated identities. */
export function generateCorpus(rng: Rng, count = 300, authors = 5): Corpus {
  const secrets = Array.from({ length: authors }, () => rng.bytes32());
  const pubkeys = secrets.map((sk) => getPublicKey(sk));
  const tagValues = tagPools(rng, pubkeys);
  const events: VerifiedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kindFor(rng);
    const template = { kind, created_at: T + rng.int(SPAN), tags: tagsFor(rng, kind, tagValues), content: `#${i}` };
    const ev = finalizeEvent(template, rng.pick(secrets));
    events.push({ id: ev.id, pubkey: ev.pubkey, created_at: ev.created_at, kind: ev.kind, tags: ev.tags, content: ev.content, sig: ev.sig } as VerifiedEvent);
    // Later events refer to earlier ones, as replies do.
    if (rng.chance(0.3)) tagValues.e!.push(ev.id);
  }
  return { events, pubkeys, tagValues, kinds: [...REGULAR_KINDS, ...REPLACEABLE_KINDS, ...ADDRESSABLE_KINDS], timeRange: [T, T + SPAN - 1], now: T + 1000 };
}
