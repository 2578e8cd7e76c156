/**
 * Tag rules of the two KeyPackage dialects: kind 30443 (current Marmot, transports/nostr.md
 * "KeyPackage publication" and "Event identity and tag cardinality"; how strictly depends on the
 * profile, see ../profile.ts) and kind 443 (the predecessor).
 * Pure functions: they read the tags and return the facts the MLS checks need, or a reason.
 */
import type { NostrEvent } from '../../../src/nostr/event.js';
import type { ContentEncoding } from './content-codec.js';
import { MAX_COMPAT_SLOT_BYTES, strictRefusal, type Profile } from '../profile.js';

/** What the tags say about the KeyPackage, for the checks against its content. */
export type TagFacts = {
  encoding: ContentEncoding;
  /** The `d` publication slot (30443). */
  slot?: string;
  /** The claimed KeyPackageRef, lowercase hex (`i` tag; required on 30443, optional on 443). */
  ref?: string;
  /** The claimed ciphersuite id (`mls_ciphersuite` tag). */
  ciphersuite?: number;
  /** The `exp` tag, unix seconds (443). */
  exp?: number;
};

/** Tag facts, or a reason (without prefix) naming the broken tag. */
export type TagResult = { ok: true; facts: TagFacts } | { ok: false; reason: string };

const SLOT = /^[0-9a-f]{64}$/;
const LOWER_HEX = /^(?:[0-9a-f]{2})+$/;
const ID = /^0x[0-9a-f]{4}$/;
const LEGACY_ID = /^(?:0x[0-9a-fA-F]{1,4}|\d{1,5})$/;
const UNIX_SECONDS = /^\d{1,15}$/;

/** Tags of 30443 that may appear at most once (the spec makes them "exactly one"). */
const MARMOT_SINGLE_TAGS = [
  'd',
  'mls_protocol_version',
  'i',
  'mls_ciphersuite',
  'mls_extensions',
  'mls_proposals',
  'app_components',
  'encoding',
];
/** Id-list tags of 30443. */
const MARMOT_ID_LISTS = ['mls_ciphersuite', 'mls_extensions', 'mls_proposals', 'app_components'];
/** The seven tags the adopted spec requires on 30443 (strict); compat requires only `d`. */
const MARMOT_TAG_SET = ['d', 'mls_protocol_version', 'i', ...MARMOT_ID_LISTS];
/** The account identity proof v2 component every adopted 30443 advertises. */
const ACCOUNT_PROOF_COMPONENT = '0x8009';
/** Tags of 443 whose repetition would make the event ambiguous. */
const LEGACY_SINGLE_TAGS = ['encoding', 'exp', 'mls_ciphersuite', 'mls_protocol_version', 'i'];

/** Client-supplied text quoted in a reason, cut short so a reason never carries a payload. */
function quote(value: string): string {
  return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value);
}

function tagsNamed(ev: NostrEvent, name: string): string[][] {
  return ev.tags.filter((tag) => tag[0] === name);
}

/** Refuses a repeated tag among `names`; a receiver must not read the first and ignore the rest. */
function checkOnce(ev: NostrEvent, names: string[]): string | undefined {
  for (const name of names) if (tagsNamed(ev, name).length > 1) return `duplicate ${name} tag`;
  return undefined;
}

/** The single value of a tag that must carry exactly one value, or a reason. */
function singleValue(tag: string[]): { value: string } | { reason: string } {
  if (tag.length !== 2 || tag[1] === '') return { reason: `${tag[0]} tag must have exactly one value` };
  return { value: tag[1] as string };
}

/** Checks an id-list tag: at least one value, each `0x` + 4 lowercase hex digits, no repeats. */
function checkIdList(tag: string[]): string | undefined {
  const name = tag[0] as string;
  const values = tag.slice(1);
  if (values.length === 0) return `${name} tag must list at least one id`;
  const seen = new Set<string>();
  for (const value of values) {
    if (!ID.test(value)) return `${name} value ${quote(value)} is not a 0x-prefixed 4-digit lowercase hex id`;
    if (seen.has(value)) return `${name} tag repeats id ${value}`;
    seen.add(value);
  }
  return undefined;
}

type Tag = (name: string) => string[] | undefined;

/** The 30443 `d` slot: 64 lowercase hex in strict, any non-empty string up to 256 bytes in compat. */
function readSlot(tag: Tag, profile: Profile): { value: string } | { reason: string } {
  const d = singleValue(tag('d') as string[]);
  if ('reason' in d) return d;
  if (profile === 'strict') {
    return SLOT.test(d.value) ? d : { reason: strictRefusal('keypackage_slot', 'd tag must be 64 lowercase hex characters') };
  }
  if (Buffer.byteLength(d.value) > MAX_COMPAT_SLOT_BYTES) return { reason: `d tag is longer than ${MAX_COMPAT_SLOT_BYTES} bytes` };
  return d;
}

/** Strict only: every id list well formed, and `app_components` advertising the account proof. */
function checkStrictLists(tag: Tag): string | undefined {
  for (const name of MARMOT_ID_LISTS) {
    const bad = checkIdList(tag(name) as string[]);
    if (bad) return strictRefusal('keypackage_id_lists', bad);
  }
  if (!(tag('app_components') as string[]).includes(ACCOUNT_PROOF_COMPONENT)) {
    return strictRefusal('keypackage_app_components', `app_components must list ${ACCOUNT_PROOF_COMPONENT}`);
  }
  return undefined;
}

/** The ciphersuite a 30443 claims: strict reads the id-list form, compat also the predecessor's forms. */
function readSuiteClaim(list: string[] | undefined, profile: Profile): { id?: number } | { reason: string } {
  if (!list) return {};
  const values = list.slice(1);
  // A KeyPackage is made for exactly one ciphersuite; a list of several would advertise what it is not.
  if (values.length !== 1) return { reason: 'mls_ciphersuite tag must carry exactly one id' };
  const id = profile === 'strict' ? Number.parseInt((values[0] as string).slice(2), 16) : parseLegacyId(values[0] as string);
  return id === undefined ? { reason: 'mls_ciphersuite tag must carry one ciphersuite id' } : { id };
}

/** Checks `encoding` on a 30443: content is always base64; compat tolerates a tag saying so. */
function checkMarmotEncoding(tag: Tag, profile: Profile): string | undefined {
  const encoding = tag('encoding');
  if (!encoding) return undefined;
  if (profile === 'strict') return strictRefusal('keypackage_encoding_tag', 'a 30443 must not carry an encoding tag');
  return encoding[1] === 'base64' && encoding.length === 2 ? undefined : 'a 30443 encoding tag may only say base64';
}

/** Reads the tags of a kind 30443 KeyPackage event under `profile` (see PROFILE_RULES). */
export function readMarmotTags(ev: NostrEvent, profile: Profile): TagResult {
  const dup = checkOnce(ev, MARMOT_SINGLE_TAGS);
  if (dup) return { ok: false, reason: dup };
  const tag: Tag = (name) => tagsNamed(ev, name)[0];
  for (const name of profile === 'strict' ? MARMOT_TAG_SET : ['d']) {
    if (!tag(name)) {
      return { ok: false, reason: profile === 'strict' ? strictRefusal('keypackage_tag_set', `missing ${name} tag`) : `missing ${name} tag` };
    }
  }
  const bad = checkMarmotEncoding(tag, profile) ?? (profile === 'strict' ? checkStrictLists(tag) : undefined);
  if (bad) return { ok: false, reason: bad };
  const slot = readSlot(tag, profile);
  if ('reason' in slot) return { ok: false, reason: slot.reason };
  const facts: TagFacts = { encoding: 'base64', slot: slot.value };
  const version = tag('mls_protocol_version');
  if (version) {
    const v = singleValue(version);
    if ('reason' in v) return { ok: false, reason: v.reason };
    if (v.value !== '1.0') return { ok: false, reason: `unsupported mls_protocol_version ${quote(v.value)}` };
  }
  const ref = tag('i');
  if (ref) {
    const i = singleValue(ref);
    if ('reason' in i) return { ok: false, reason: i.reason };
    if (!LOWER_HEX.test(i.value)) return { ok: false, reason: 'i tag must be a lowercase hex KeyPackageRef' };
    facts.ref = i.value;
  }
  const suite = readSuiteClaim(tag('mls_ciphersuite'), profile);
  if ('reason' in suite) return { ok: false, reason: suite.reason };
  if (suite.id !== undefined) facts.ciphersuite = suite.id;
  return { ok: true, facts };
}

/** Parses a predecessor-style ciphersuite id: `0x0001`, `0x1` or decimal `1`. */
function parseLegacyId(value: string): number | undefined {
  if (!LEGACY_ID.test(value)) return undefined;
  const id = value.startsWith('0x') ? Number.parseInt(value.slice(2), 16) : Number.parseInt(value, 10);
  return id <= 0xffff ? id : undefined;
}

/** Reads the optional tags of a 443 that the relay cross-checks (`i`, `mls_ciphersuite`, version). */
function readLegacyClaims(ev: NostrEvent, facts: TagFacts): string | undefined {
  const suite = tagsNamed(ev, 'mls_ciphersuite')[0];
  if (suite) {
    const id = suite.length === 2 ? parseLegacyId(suite[1] as string) : undefined;
    if (id === undefined) return 'mls_ciphersuite tag must carry one ciphersuite id';
    facts.ciphersuite = id;
  }
  const ref = tagsNamed(ev, 'i')[0];
  if (ref) {
    if (ref.length !== 2 || !LOWER_HEX.test(ref[1] as string)) return 'i tag must be a lowercase hex KeyPackageRef';
    facts.ref = ref[1] as string;
  }
  const version = tagsNamed(ev, 'mls_protocol_version')[0];
  if (version && version[1] !== '1.0') return `unsupported mls_protocol_version ${quote(version[1] ?? '')}`;
  return undefined;
}

/** Reads the tags of a kind 443 (predecessor) KeyPackage event. */
export function readLegacyTags(ev: NostrEvent): TagResult {
  const dup = checkOnce(ev, LEGACY_SINGLE_TAGS);
  if (dup) return { ok: false, reason: dup };
  for (const p of tagsNamed(ev, 'p')) {
    if (p[1] !== ev.pubkey) return { ok: false, reason: 'p tag must equal the event pubkey' };
  }
  const facts: TagFacts = { encoding: 'hex' };
  const encoding = tagsNamed(ev, 'encoding')[0];
  if (encoding) {
    if (encoding[1] !== 'hex' && encoding[1] !== 'base64') {
      return { ok: false, reason: `unsupported encoding ${quote(encoding[1] ?? '')} (hex or base64)` };
    }
    facts.encoding = encoding[1];
  }
  const exp = tagsNamed(ev, 'exp')[0];
  if (exp) {
    if (exp.length !== 2 || !UNIX_SECONDS.test(exp[1] as string)) {
      return { ok: false, reason: 'exp tag must be unix seconds' };
    }
    facts.exp = Number(exp[1]);
  }
  const bad = readLegacyClaims(ev, facts);
  return bad ? { ok: false, reason: bad } : { ok: true, facts };
}
