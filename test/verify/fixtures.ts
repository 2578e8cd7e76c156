import type { NostrEvent } from '../../src/nostr/event.js';
import { identity, signed, type Identity } from '../helpers.js';

/** Valid events of the shapes the relay sees: small kind 1, a 445 with 2 KB content, a 1059 with 40 KB, awkward JSON. */
export function validEvents(who: Identity = identity()): NostrEvent[] {
  return [
    signed(who, { kind: 1, content: 'hello' }),
    signed(who, { kind: 445, tags: [['h', 'a'.repeat(64)]], content: Buffer.alloc(1536, 7).toString('base64') }),
    signed(who, { kind: 1059, tags: [['p', identity().pk]], content: 'x'.repeat(40 * 1024) }),
    signed(who, { kind: 1, tags: [['t', 'quote"back\\slash'], ['e', 'z']], content: 'line\nbreak\ttab \u2028 émoji 🎉 \u0001' }),
  ];
}

/** Flips the last hex digit of `hex`. */
export function flipLastHex(hex: string): string {
  const last = hex.at(-1) === '0' ? '1' : '0';
  return `${hex.slice(0, -1)}${last}`;
}

/** Forgeries of `ev`, each of which a verifier must reject. */
export function forgeries(ev: NostrEvent): Record<string, NostrEvent> {
  const other = signed(identity(), { content: 'someone else' });
  return {
    'bad signature': { ...ev, sig: flipLastHex(ev.sig) },
    'signature of another event': { ...ev, sig: other.sig },
    'bad id': { ...ev, id: flipLastHex(ev.id) },
    'id of another event': { ...ev, id: other.id },
    'content altered': { ...ev, content: `${ev.content}.` },
    'wrong pubkey': { ...ev, pubkey: other.pubkey },
    'pubkey not on the curve': { ...ev, pubkey: 'f'.repeat(64) },
    'sig with r out of range': { ...ev, sig: 'f'.repeat(128) },
  };
}
