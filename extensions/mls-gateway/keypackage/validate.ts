/**
 * Validation of KeyPackage events, both dialects: kind 30443 (current Marmot) and kind 443
 * (predecessor). The relay never decrypts anything, but a KeyPackage is public: it can and must
 * check that the package parses, is signed, is current, and belongs to the event's author.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { KeyPackage } from 'ts-mls';
import type { NostrEvent } from '../../../src/nostr/event.js';
import { decodeContent } from './content-codec.js';
import { checkKeyPackageBytes, formatId, type KeyPackageFraming } from './mls-check.js';
import { MAX_STRICT_KEYPACKAGE_LIFETIME_SECONDS, strictRefusal, type Profile } from '../profile.js';
import { readLegacyTags, readMarmotTags, type TagFacts } from './tags.js';
import { KEYPACKAGE_KIND, KEYPACKAGE_LEGACY_KIND } from '../kinds.js';

/** Clock skew allowed on the leaf lifetime, in seconds. */
export const LIFETIME_SKEW_SECONDS = 300;

/** What the gateway keeps about an accepted KeyPackage. */
export type KeyPackageInfo = {
  /** KeyPackageRef, lowercase hex. */
  ref: string;
  /** Ciphersuite id (1 = MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519). */
  ciphersuite: number;
  /** Unix seconds after which the package must not be handed out. */
  expiresAt: number;
  /** Unix seconds before which the package is not valid (leaf lifetime not_before). */
  notBefore: number;
  dialect: '443' | '30443';
  /** How the content was framed (which client generation published it). */
  framing: KeyPackageFraming;
  /** The 30443 `d` publication slot. */
  slot?: string;
};

/** The verdict on a KeyPackage event; `reason` is sent to the client as `invalid: <reason>`. */
export type KeyPackageCheck = { ok: true; info: KeyPackageInfo } | { ok: false; reason: string };

/** Options of {@link validateKeyPackageEvent}. */
export type KeyPackageValidationOptions = {
  /** Lifetime given to a package that carries no finite expiry (config `keypackage_ttl`), seconds. */
  defaultTtlSeconds: number;
  /** `[mls_gateway] profile`; default compat. */
  profile?: Profile;
};

/**
 * Checks the credential binds the package to the event author. Marmot (30443) requires a basic
 * credential holding the raw 32-byte account key; for 443 only a recognisable key form is compared
 * (raw 32 bytes, or its 64-character hex text as some early clients wrote it).
 */
function checkCredential(kp: KeyPackage, pubkey: string, isMarmot: boolean): string | undefined {
  const credential = kp.leafNode.credential;
  if (credential.credentialType !== 'basic') {
    return isMarmot ? 'credential must be a basic credential holding the account key' : undefined;
  }
  const identity = credential.identity;
  if (identity.length === 32) {
    return bytesToHex(identity) === pubkey ? undefined : 'credential identity is not the event pubkey';
  }
  if (isMarmot) return 'credential identity must be the 32-byte account key';
  const text = Buffer.from(identity).toString('latin1');
  if (identity.length === 64 && /^[0-9a-fA-F]{64}$/.test(text)) {
    return text.toLowerCase() === pubkey ? undefined : 'credential identity is not the event pubkey';
  }
  return undefined;
}

/** Lifetime window of the leaf, with clock skew; returns a reason or the bounds in seconds. */
function checkLifetime(
  kp: KeyPackage,
  now: number,
  profile: Profile,
): { reason: string } | { notBefore: number; notAfter?: number } {
  const { notBefore, notAfter } = kp.leafNode.lifetime;
  if (profile === 'strict' && notAfter - notBefore > BigInt(MAX_STRICT_KEYPACKAGE_LIFETIME_SECONDS)) {
    return {
      reason: strictRefusal('keypackage_lifetime', `leaf lifetime is longer than ${MAX_STRICT_KEYPACKAGE_LIFETIME_SECONDS} seconds`),
    };
  }
  if (notBefore > BigInt(now + LIFETIME_SKEW_SECONDS)) {
    return { reason: 'leaf lifetime has not begun (not_before is in the future)' };
  }
  if (notAfter + BigInt(LIFETIME_SKEW_SECONDS) < BigInt(now)) return { reason: 'leaf lifetime has ended' };
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  // ts-mls's default lifetime ends in 2^63-1: treat any end beyond safe integers as "no expiry".
  return {
    notBefore: Number(notBefore > max ? max : notBefore),
    notAfter: notAfter > max ? undefined : Number(notAfter),
  };
}

function checkClaims(facts: TagFacts, ref: string, ciphersuite: number): string | undefined {
  if (facts.ref !== undefined && facts.ref !== ref) return 'i tag does not match the KeyPackageRef of the content';
  if (facts.ciphersuite !== undefined && facts.ciphersuite !== ciphersuite) {
    return `mls_ciphersuite tag ${formatId(facts.ciphersuite)} does not match the content's ${formatId(ciphersuite)}`;
  }
  return undefined;
}

async function validate(ev: NostrEvent, now: number, opts: KeyPackageValidationOptions): Promise<KeyPackageCheck> {
  const isMarmot = ev.kind === KEYPACKAGE_KIND;
  if (!isMarmot && ev.kind !== KEYPACKAGE_LEGACY_KIND) {
    return { ok: false, reason: `kind ${ev.kind} is not a KeyPackage` };
  }
  const profile = opts.profile ?? 'compat';
  const tags = isMarmot ? readMarmotTags(ev, profile) : readLegacyTags(ev);
  if (!tags.ok) return tags;
  const { facts } = tags;
  if (facts.exp !== undefined && facts.exp <= now) {
    return { ok: false, reason: 'KeyPackage expired (exp tag is in the past)' };
  }
  const content = decodeContent(ev.content, facts.encoding);
  if (!content.ok) return content;
  const mls = await checkKeyPackageBytes(content.bytes, { allowBare: profile === 'compat' });
  if (!mls.ok) return mls;
  const { keyPackage, ref, ciphersuite, framing } = mls.checked;
  const bad = checkClaims(facts, ref, ciphersuite) ?? checkCredential(keyPackage, ev.pubkey, isMarmot);
  if (bad) return { ok: false, reason: bad };
  const lifetime = checkLifetime(keyPackage, now, profile);
  if ('reason' in lifetime) return { ok: false, reason: lifetime.reason };
  const ends = [lifetime.notAfter, facts.exp].filter((t): t is number => t !== undefined);
  const expiresAt = ends.length > 0 ? Math.min(...ends) : now + opts.defaultTtlSeconds;
  const dialect = isMarmot ? '30443' : '443';
  const info: KeyPackageInfo = { ref, ciphersuite, expiresAt, notBefore: lifetime.notBefore, dialect, framing };
  if (facts.slot !== undefined) info.slot = facts.slot;
  return { ok: true, info };
}

/**
 * Validates a KeyPackage event (kind 443 or 30443) at `nowSeconds` under `opts.profile` (see
 * ../profile.ts). Checks, in order: tags (each single tag at most once, required ones present,
 * formats), `exp` (443), content encoding and the 64 KiB size guard, the framing (an MLSMessage
 * with wire format mls_key_package or, in compat, a bare KeyPackage; fully consumed), KeyPackage and
 * leaf signatures, the `i` and `mls_ciphersuite` claims against the content, the credential
 * against the author, and the leaf lifetime (±5 min skew). `expiresAt` is the earlier of the
 * lifetime end and `exp`, or now + `defaultTtlSeconds` when neither is finite.
 * Never throws: malformed input gives a reason.
 */
export async function validateKeyPackageEvent(
  ev: NostrEvent,
  nowSeconds: number,
  opts: KeyPackageValidationOptions,
): Promise<KeyPackageCheck> {
  try {
    return await validate(ev, nowSeconds, opts);
  } catch {
    // A parser bug must not become an exception in the write path; the event is refused instead.
    return { ok: false, reason: 'KeyPackage could not be parsed' };
  }
}
