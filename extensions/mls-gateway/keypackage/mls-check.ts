/**
 * Parses KeyPackage bytes as an MLSMessage with ts-mls and checks what RFC 9420 §10.1 asks of a
 * KeyPackage that the relay can check without group context: wire format, signatures, init key
 * distinct from the leaf key, and capabilities covering its own version and ciphersuite.
 */
import { ciphersuites, decodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { CiphersuiteImpl, CiphersuiteName, KeyPackage } from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { wireformats } from 'ts-mls/wireformat.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** A KeyPackage whose structure and signatures were checked. */
export type CheckedKeyPackage = {
  keyPackage: KeyPackage;
  /** KeyPackageRef, lowercase hex. */
  ref: string;
  /** The ciphersuite id (e.g. 1). */
  ciphersuite: number;
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

/**
 * Looks at the fixed header (version, wire format, KeyPackage version and ciphersuite) before the
 * full decode, so the common mistakes get a precise reason instead of "not a valid MLSMessage".
 */
function checkHeader(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return 'content is too short to be an MLS KeyPackage message';
  const wireformat = readUint16(bytes, 2);
  if (wireformat !== KEY_PACKAGE_WIREFORMAT) {
    const name = WIREFORMAT_NAMES.get(wireformat) ?? `unknown wire format ${wireformat}`;
    return `content is an MLS ${name}, not an mls_key_package`;
  }
  const suite = readUint16(bytes, 6);
  if (!SUITE_NAMES.has(suite)) return `unsupported ciphersuite ${formatId(suite)}`;
  return undefined;
}

function decodeKeyPackage(bytes: Uint8Array): { keyPackage: KeyPackage } | { reason: string } {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded) return { reason: 'content is not a valid MLS KeyPackage message' };
  const [message, consumed] = decoded;
  if (consumed !== bytes.length) {
    return { reason: `content has ${bytes.length - consumed} trailing bytes after the KeyPackage` };
  }
  if (message.wireformat !== 'mls_key_package') {
    return { reason: `content is an MLS ${message.wireformat}, not an mls_key_package` };
  }
  return { keyPackage: message.keyPackage };
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

/** Decodes and verifies KeyPackage bytes. Never throws. */
export async function checkKeyPackageBytes(bytes: Uint8Array): Promise<MlsCheckResult> {
  const header = checkHeader(bytes);
  if (header) return { ok: false, reason: header };
  const decoded = decodeKeyPackage(bytes);
  if ('reason' in decoded) return { ok: false, reason: decoded.reason };
  const kp = decoded.keyPackage;
  const ciphersuite = ciphersuites[kp.cipherSuite];
  const impl = await suiteImpl(kp.cipherSuite);
  if (!impl) return { ok: false, reason: `unsupported ciphersuite ${formatId(ciphersuite)}` };
  const bad = checkStructure(kp) ?? (await checkSignatures(kp, impl));
  if (bad) return { ok: false, reason: bad };
  const ref = bytesToHex(await makeKeyPackageRef(kp, impl.hash));
  return { ok: true, checked: { keyPackage: kp, ref, ciphersuite } };
}
