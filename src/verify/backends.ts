import { computeEventId, type NostrEvent } from '../nostr/event.js';
import type { BackendName } from './backend-names.js';

/** Checks an event's id (sha256 of the NIP-01 serialization) and its BIP-340 signature. Never throws. */
export type VerifyFn = (ev: NostrEvent) => boolean;

/** Checks a BIP-340 signature over a 32-byte message (the event id) with an x-only public key. */
type SchnorrVerify = (sig: Uint8Array, msg: Uint8Array, pubkey: Uint8Array) => boolean;

/** A signature-verification backend: `load()` rejects when the backend cannot run on this machine. */
export interface VerifyBackend {
  readonly name: BackendName;
  /** What it is, for logs and the benchmark table. */
  readonly description: string;
  load(): Promise<VerifyFn>;
}

/**
 * Wraps a raw Schnorr check into a full event check. The id is recomputed with computeEventId,
 * because a signature over a stale id would otherwise vouch for altered content.
 */
function eventVerifier(schnorrVerify: SchnorrVerify): VerifyFn {
  return (ev) => {
    try {
      if (computeEventId(ev) !== ev.id) return false;
      const msg = Buffer.from(ev.id, 'hex');
      const sig = Buffer.from(ev.sig, 'hex');
      const pubkey = Buffer.from(ev.pubkey, 'hex');
      // Buffer.from silently drops bad hex: the lengths catch what the shape check upstream missed.
      if (msg.length !== 32 || sig.length !== 64 || pubkey.length !== 32) return false;
      return schnorrVerify(sig, msg, pubkey);
    } catch {
      // Libraries throw on points off the curve or malformed input: that is a failed check, not a crash.
      return false;
    }
  };
}

async function loadBcrypto(): Promise<VerifyFn> {
  const { default: schnorr } = await import('bcrypto/lib/schnorr.js');
  // bcrypto silently uses its slow JS build when node-gyp could not build the binding; that build is
  // slower than noble-curves, so refuse it and let the selection fall through.
  if (schnorr.native !== 2) throw new Error('bcrypto native binding not built');
  return eventVerifier((sig, msg, pubkey) => schnorr.verify(msg, sig, pubkey));
}

async function loadTinySecp256k1(): Promise<VerifyFn> {
  const tiny = await import('tiny-secp256k1');
  return eventVerifier((sig, msg, pubkey) => tiny.verifySchnorr(msg, pubkey, sig));
}

async function loadNostrWasm(): Promise<VerifyFn> {
  const { initNostrWasm } = await import('nostr-wasm');
  const nw = await initNostrWasm();
  // nostr-wasm takes a whole event and throws when the id or the signature is wrong. The id is still
  // recomputed here so every backend shares computeEventId's notion of the canonical serialization.
  return (ev) => {
    try {
      if (computeEventId(ev) !== ev.id) return false;
      nw.verifyEvent(ev);
      return true;
    } catch {
      return false;
    }
  };
}

async function loadNobleCurves(): Promise<VerifyFn> {
  const { schnorr } = await import('@noble/curves/secp256k1.js');
  return eventVerifier((sig, msg, pubkey) => schnorr.verify(sig, msg, pubkey));
}

async function loadNobleSecp256k1(): Promise<VerifyFn> {
  const secp = await import('@noble/secp256k1');
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const { hmac } = await import('@noble/hashes/hmac.js');
  // @noble/secp256k1 v3 ships without hashes; BIP-340 tagged hashes need sha256 wired in.
  secp.hashes.sha256 = sha256;
  secp.hashes.hmacSha256 = (key, msg) => hmac(sha256, key, msg);
  return eventVerifier((sig, msg, pubkey) => secp.schnorr.verify(sig, msg, pubkey));
}

/** Every backend, in BACKEND_NAMES order (fastest first as measured here). */
export const BACKENDS: readonly VerifyBackend[] = [
  { name: 'bcrypto', description: 'bcrypto 5.5 native libsecp256k1 binding (node-gyp)', load: loadBcrypto },
  { name: 'tiny-secp256k1', description: 'tiny-secp256k1 2.2 (libsecp256k1 in wasm)', load: loadTinySecp256k1 },
  { name: 'nostr-wasm', description: 'nostr-wasm 0.1 (libsecp256k1 in wasm)', load: loadNostrWasm },
  { name: 'noble-curves', description: '@noble/curves 2.0 (pure JS)', load: loadNobleCurves },
  { name: 'noble-secp256k1', description: '@noble/secp256k1 3.2 (pure JS)', load: loadNobleSecp256k1 },
];

/** The backend called `name`; throws on an unknown name (a config error, not a load failure). */
export function getBackend(name: string): VerifyBackend {
  const found = BACKENDS.find((b) => b.name === name);
  if (!found) throw new Error(`unknown verify backend ${JSON.stringify(name)}`);
  return found;
}
