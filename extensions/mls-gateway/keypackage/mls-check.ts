/**
 * Parses KeyPackage bytes (an MLSMessage, or a bare KeyPackage in the compat profile) with ts-mls and checks what RFC 9420 §10.1 asks of a
 * KeyPackage that the relay can check without group context: wire format, signatures, init key
 * distinct from the leaf key, and capabilities covering its own version and ciphersuite.
 */
import { ciphersuites, decodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage } from 'ts-mls';
import { decodeKeyPackage, makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { wireformats } from 'ts-mls/wireformat.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { strictRefusal } from '../profile.js';

/** A KeyPackage whose structure and signatures were checked. */
export type CheckedKeyPackage = {
  keyPackage: KeyPackage;
  /** KeyPackageRef, lowercase hex. */
  ref: string;
  /** The ciphersuite id (e.g. 1). */
  ciphersuite: number;
  framing: KeyPackageFraming;
};

/** A checked KeyPackage, or a reason without prefix. */
export type MlsCheckResult = { ok: true; checked: CheckedKeyPackage } | { ok: false; reason: string };

const KEY_PACKAGE_WIREFORMAT = wireformats.mls_key_package;
const WIREFORMAT_NAMES = new Map<number, string>(Object.entries(wireformats).map(([name, id]) => [id, name]));
const SUITE_NAMES = new Map<number, CiphersuiteName>(
  (Object.entries(ciphersuites) as [CiphersuiteName, number][]).map(([name, id]) => [id, name]),
);
// One implementation per suite for the life of the process; a failed load (optional peer
// dependency missing) is remembered too, so a bad suite costs one import attempt, not one per event.
const impls = new Map<CiphersuiteName, Promise<CiphersuiteImpl | undefined>>();

/** Formats a 16-bit id the way the Marmot tags spell it: `0x0001`. */
export function formatId(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}

function suiteImpl(name: CiphersuiteName): Promise<CiphersuiteImpl | undefined> {
  let impl = impls.get(name);
  if (!impl) {
    impl = getCiphersuiteImpl(getCiphersuiteFromName(name)).catch(() => undefined);
    impls.set(name, impl);
  }
  return impl;
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

/** How the KeyPackage bytes were framed: the adopted MLSMessage, or the bare TLS KeyPackage older clients publish. */
export type KeyPackageFraming = 'mls_message' | 'bare';

type Decoded = { keyPackage: KeyPackage; framing: KeyPackageFraming } | { reason: string };

function decodeOrUndefined<T>(decode: () => [T, number] | undefined): [T, number] | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

function trailing(bytes: Uint8Array, consumed: number): string | undefined {
  return consumed === bytes.length ? undefined : `content has ${bytes.length - consumed} trailing bytes after the KeyPackage`;
}

/**
 * As an MLSMessage. The fixed header (version, wire format, KeyPackage version and ciphersuite) is
 * read before the full decode, so the common mistakes get a precise reason.
 */
function decodeAsMessage(bytes: Uint8Array): Decoded {
  if (bytes.length < 8) return { reason: 'content is too short to be an MLS KeyPackage message' };
  const wireformat = readUint16(bytes, 2);
  if (wireformat !== KEY_PACKAGE_WIREFORMAT) {
    const name = WIREFORMAT_NAMES.get(wireformat) ?? `unknown wire format ${wireformat}`;
    return { reason: `content is an MLS ${name}, not an mls_key_package` };
  }
  const suite = readUint16(bytes, 6);
  if (!SUITE_NAMES.has(suite)) return { reason: `unsupported ciphersuite ${formatId(suite)}` };
  const decoded = decodeOrUndefined(() => decodeMlsMessage(bytes, 0));
  if (!decoded) return { reason: 'content is not a valid MLS KeyPackage message' };
  const [message, consumed] = decoded;
  const extra = trailing(bytes, consumed);
  if (extra) return { reason: extra };
  if (message.wireformat !== 'mls_key_package') {
    return { reason: `content is an MLS ${message.wireformat}, not an mls_key_package` };
  }
  return { keyPackage: message.keyPackage, framing: 'mls_message' };
}

/** As a bare TLS KeyPackage (version, ciphersuite, init key, leaf node, extensions, signature). */
function decodeAsBare(bytes: Uint8Array): Decoded {
  if (bytes.length < 4 || readUint16(bytes, 0) !== 1) return { reason: 'content is not a valid MLS KeyPackage' };
  const suite = readUint16(bytes, 2);
  if (!SUITE_NAMES.has(suite)) return { reason: `unsupported ciphersuite ${formatId(suite)}` };
  const decoded = decodeOrUndefined(() => decodeKeyPackage(bytes, 0));
  if (!decoded) return { reason: 'content is not a valid MLS KeyPackage' };
  const extra = trailing(bytes, decoded[1]);
  return extra ? { reason: extra } : { keyPackage: decoded[0], framing: 'bare' };
}

/** True when the bytes are a whole MLSMessage of some wire format (then its own reason says most). */
function isWholeMlsMessage(bytes: Uint8Array): boolean {
  const decoded = decodeOrUndefined(() => decodeMlsMessage(bytes, 0));
  return decoded !== undefined && decoded[1] === bytes.length;
}

/**
 * Decodes KeyPackage content in either framing (`allowBare`, the compat profile) or as an
 * MLSMessage only (strict, which names its rule when the bytes are a valid bare KeyPackage).
 * The two framings cannot both consume the same bytes: an mls_key_package MLSMessage starts
 * 0x0001 0x0005 0x0001, which as a bare KeyPackage would be suite 5 with an empty init key.
 */
function decodeKeyPackageContent(bytes: Uint8Array, allowBare: boolean): Decoded {
  const framed = decodeAsMessage(bytes);
  if ('keyPackage' in framed) return framed;
  const bare = decodeAsBare(bytes);
  if (!allowBare) {
    if ('keyPackage' in bare) {
      return { reason: strictRefusal('keypackage_framing', 'content must be an MLSMessage (mls_key_package), not a bare KeyPackage') };
    }
    return framed;
  }
  if ('keyPackage' in bare) return bare;
  // Neither: an MLSMessage header with the KeyPackage wire format, or a whole message of another
  // wire format, is best explained by the MLSMessage reason; anything else by the bare one.
  const looksFramed = bytes.length >= 4 && readUint16(bytes, 2) === KEY_PACKAGE_WIREFORMAT;
  return looksFramed || isWholeMlsMessage(bytes) ? framed : bare;
}

/** Signature checks; a throwing verifier (malformed key) counts as a failed signature. */
async function checkSignatures(kp: KeyPackage, impl: CiphersuiteImpl): Promise<string | undefined> {
  const kpOk = await verifyKeyPackage(kp, impl.signature).catch(() => false);
  if (!kpOk) return 'KeyPackage signature is invalid';
  const leafOk = await verifyLeafNodeSignatureKeyPackage(kp.leafNode, impl.signature).catch(() => false);
  if (!leafOk) return 'leaf node signature is invalid';
  return undefined;
}

function checkStructure(kp: KeyPackage): string | undefined {
  if (Buffer.from(kp.initKey).equals(Buffer.from(kp.leafNode.hpkePublicKey))) {
    return 'init_key equals the leaf encryption key';
  }
  const caps = kp.leafNode.capabilities;
  if (!caps.versions.includes(kp.version)) return 'leaf capabilities do not include the KeyPackage protocol version';
  if (!caps.ciphersuites.includes(kp.cipherSuite)) return 'leaf capabilities do not include the KeyPackage ciphersuite';
  return undefined;
}

/**
 * Decodes and verifies KeyPackage bytes, framed as an MLSMessage or (with `allowBare`) as a bare
 * KeyPackage. Never throws.
 */
export async function checkKeyPackageBytes(bytes: Uint8Array, opts: { allowBare: boolean }): Promise<MlsCheckResult> {
  const decoded = decodeKeyPackageContent(bytes, opts.allowBare);
  if ('reason' in decoded) return { ok: false, reason: decoded.reason };
  const kp = decoded.keyPackage;
  const ciphersuite = ciphersuites[kp.cipherSuite];
  const impl = await suiteImpl(kp.cipherSuite);
  if (!impl) return { ok: false, reason: `unsupported ciphersuite ${formatId(ciphersuite)}` };
  const bad = checkStructure(kp) ?? (await checkSignatures(kp, impl));
  if (bad) return { ok: false, reason: bad };
  const ref = bytesToHex(await makeKeyPackageRef(kp, impl.hash));
  return { ok: true, checked: { keyPackage: kp, ref, ciphersuite, framing: decoded.framing } };
}
