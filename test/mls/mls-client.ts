/**
 * Real MLS clients for tests: a nostr identity bound to an MLS basic credential (Marmot MIP-00:
 * the identity is the raw 32-byte nostr pubkey) and KeyPackages made with ts-mls.
 */
import {
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type Capabilities,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type Credential,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { encodeKeyPackage, makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { identity, now, type Identity } from '../helpers.js';

/** The ciphersuite Marmot clients use by default (id 0x0001). */
export const TEST_SUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';
/** marmot_group_data, the group context extension Marmot requires (MIP-01). */
export const MARMOT_GROUP_DATA_EXTENSION = 0xf2ee;
/** last_resort, the KeyPackage extension Marmot requires (MIP-00). */
export const LAST_RESORT_EXTENSION = 0x000a;
/** Proposal id the Marmot tags advertise in `mls_proposals` (as MDK does). */
export const ADVERTISED_PROPOSAL = 0x000a;

let suitePromise: Promise<CiphersuiteImpl> | undefined;

/** The ts-mls implementation of {@link TEST_SUITE}, loaded once. */
export function suite(): Promise<CiphersuiteImpl> {
  suitePromise ??= getCiphersuiteImpl(getCiphersuiteFromName(TEST_SUITE));
  return suitePromise;
}

/** A nostr identity with its MLS credential. */
export type MlsIdentity = Identity & { credential: Credential };

/** Binds a nostr identity (fresh by default) to a basic credential holding its raw pubkey. */
export function mlsIdentity(who: Identity = identity()): MlsIdentity {
  return { ...who, credential: { credentialType: 'basic', identity: hexToBytes(who.pk) } };
}

/** Capabilities of a Marmot client: ts-mls defaults (with GREASE) plus the Marmot extensions. */
export function marmotCapabilities(): Capabilities {
  const caps = defaultCapabilities();
  return {
    ...caps,
    extensions: [...caps.extensions, LAST_RESORT_EXTENSION, MARMOT_GROUP_DATA_EXTENSION],
    proposals: [...caps.proposals, ADVERTISED_PROPOSAL],
  };
}

/** A KeyPackage with its private keys and encodings. */
export type TestKeyPackage = {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  /** The MLSMessage (wire format mls_key_package) bytes, as published in event content. */
  bytes: Uint8Array;
  /** KeyPackageRef, lowercase hex (the 30443 `i` tag). */
  ref: string;
};

/** Options of {@link makeKeyPackage}. Times are unix seconds. */
export type KeyPackageOptions = {
  /** Default: from one minute ago to 90 days ahead. Bigints allow ts-mls's 2^63-1 "no end". */
  lifetime?: { notBefore: number | bigint; notAfter: number | bigint };
  /** Default: the identity's credential. */
  credential?: Credential;
};

/** Encodes a KeyPackage as an MLSMessage. */
export function keyPackageMessage(kp: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp });
}

/** Encodes a KeyPackage bare (TLS KeyPackage, no MLSMessage envelope), as MDK and marmot-ts 0.5 publish it. */
export function bareKeyPackageBytes(kp: KeyPackage): Uint8Array {
  return encodeKeyPackage(kp);
}

/** Wraps a (possibly modified) public KeyPackage with its encodings; keeps the private part given. */
export async function describeKeyPackage(
  publicPackage: KeyPackage,
  privatePackage: PrivateKeyPackage,
): Promise<TestKeyPackage> {
  const cs = await suite();
  const ref = bytesToHex(await makeKeyPackageRef(publicPackage, cs.hash));
  return { publicPackage, privatePackage, bytes: keyPackageMessage(publicPackage), ref };
}

/** Makes a real, signed KeyPackage for `who` with the Marmot capabilities and last_resort extension. */
export async function makeKeyPackage(who: MlsIdentity, opts: KeyPackageOptions = {}): Promise<TestKeyPackage> {
  const cs = await suite();
  const t = now();
  const lifetime = opts.lifetime ?? { notBefore: t - 60, notAfter: t + 90 * 86_400 };
  const { publicPackage, privatePackage } = await generateKeyPackage(
    opts.credential ?? who.credential,
    marmotCapabilities(),
    { notBefore: BigInt(lifetime.notBefore), notAfter: BigInt(lifetime.notAfter) },
    [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array(0) }],
    cs,
  );
  return describeKeyPackage(publicPackage, privatePackage);
}
