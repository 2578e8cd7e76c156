// Fast event signing for the load generator: bcrypto's native BIP-340 when built (tens of thousands
// per second), else nostr-tools (pure JS, a few hundred per second). Signing is the generator's cost, not the relay's.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { getPublicKey, finalizeEvent } from 'nostr-tools/pure';
import type { NostrEvent } from '../../src/nostr/event.js';

type Schnorr = {
  native: number;
  sign(msg: Uint8Array, key: Uint8Array, aux?: Uint8Array): Uint8Array;
  publicKeyCreate(key: Uint8Array): Uint8Array;
};

const require = createRequire(import.meta.url);
const schnorr: Schnorr | undefined = (() => {
  try {
    const s = require('bcrypto/lib/schnorr.js') as Schnorr;
    return s.native === 2 ? s : undefined;
  } catch {
    return undefined;
  }
})();

/** A signing identity: 32-byte secret key and its x-only public key (hex). */
export type BenchIdentity = { sk: Uint8Array; pubkey: string };

/** A deterministic identity, so cached databases and allowlists agree across runs. */
export function benchIdentity(label: string): BenchIdentity {
  const sk = createHash('sha256').update(`mls-relay-bench:${label}`).digest();
  const pubkey = schnorr ? Buffer.from(schnorr.publicKeyCreate(sk)).toString('hex') : getPublicKey(sk);
  return { sk, pubkey };
}

/** What to sign. */
export type Template = { kind: number; tags: string[][]; content: string; created_at: number };

/** Signs a template (id = sha256 of the NIP-01 serialization, BIP-340 signature over the id). */
export function signEvent(who: BenchIdentity, t: Template): NostrEvent {
  if (!schnorr) return finalizeEvent(t, who.sk) as unknown as NostrEvent;
  const serialized = JSON.stringify([0, who.pubkey, t.created_at, t.kind, t.tags, t.content]);
  const id = createHash('sha256').update(serialized).digest();
  const sig = schnorr.sign(id, who.sk);
  return { id: id.toString('hex'), pubkey: who.pubkey, created_at: t.created_at, kind: t.kind, tags: t.tags, content: t.content, sig: Buffer.from(sig).toString('hex') };
}

/** Which signer is in use (for the report). */
export const signerName = schnorr ? 'bcrypto (native)' : 'nostr-tools (pure JS)';
