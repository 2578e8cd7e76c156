/**
 * The nostr side of Marmot for tests: KeyPackage events (30443 and the predecessor's 443), kind 445
 * group messages encrypted as transports/nostr.md says, and Welcomes (kind 444 rumors) in NIP-59
 * gift wraps. Events are signed with nostr-tools; the relay sees only what real clients would send.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ciphersuites, mlsExporter, type ClientState } from 'ts-mls';
import { bytesToHex } from '@noble/hashes/utils.js';
import { unwrapEvent, wrapEvent } from 'nostr-tools/nip59';
import type { NostrEvent, VerifiedEvent } from '../../src/nostr/event.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import {
  ADVERTISED_PROPOSAL,
  LAST_RESORT_EXTENSION,
  MARMOT_GROUP_DATA_EXTENSION,
  suite,
  type TestKeyPackage,
} from './mls-client.js';
import { nostrGroupIdOf } from './mls-group.js';

/** The account-identity-proof app component id the 30443 `app_components` tag must list. */
export const ACCOUNT_PROOF_COMPONENT = 0x8009;

function id16(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** The standard 30443 tag set for a KeyPackage, in the order MDK writes them. */
export function marmotKeyPackageTags(kp: TestKeyPackage, slot: string = bytesToHex(randomBytes(32))): string[][] {
  return [
    ['d', slot],
    ['mls_protocol_version', '1.0'],
    ['mls_ciphersuite', id16(ciphersuites[kp.publicPackage.cipherSuite])],
    ['mls_extensions', id16(LAST_RESORT_EXTENSION), id16(MARMOT_GROUP_DATA_EXTENSION)],
    ['mls_proposals', id16(ADVERTISED_PROPOSAL)],
    // Advertised as the spec requires; these fixtures do not carry the proof itself (the relay never reads it).
    ['app_components', id16(ACCOUNT_PROOF_COMPONENT)],
    ['i', kp.ref],
  ];
}

/** Options of {@link keyPackageEvent30443}: replace the tags or the content to build bad events. */
export type KeyPackageEventOptions = { tags?: string[][]; content?: string; created_at?: number };

/** A signed kind 30443 KeyPackage event: base64 MLSMessage content, the standard tags. */
export function keyPackageEvent30443(
  who: Identity,
  kp: TestKeyPackage,
  opts: KeyPackageEventOptions = {},
): VerifiedEvent {
  return signed(who, {
    kind: 30443,
    tags: opts.tags ?? marmotKeyPackageTags(kp),
    content: opts.content ?? Buffer.from(kp.bytes).toString('base64'),
    created_at: opts.created_at ?? now(),
  });
}

/** Options of {@link keyPackageEvent443}. */
export type LegacyKeyPackageOptions = KeyPackageEventOptions & {
  /** Content encoding; `hex` is written without an `encoding` tag unless `tagEncoding` is set. */
  encoding?: 'hex' | 'base64';
  tagEncoding?: boolean;
  /** `exp` tag, unix seconds. */
  exp?: number;
  /** Adds a `p` tag with this value. */
  p?: string;
};

/** A signed kind 443 KeyPackage event as the predecessor's clients wrote it. */
export function keyPackageEvent443(
  who: Identity,
  kp: TestKeyPackage,
  opts: LegacyKeyPackageOptions = {},
): VerifiedEvent {
  const encoding = opts.encoding ?? 'base64';
  const tags: string[][] = [
    ['mls_protocol_version', '1.0'],
    ['mls_ciphersuite', '0x0001'],
    ['mls_extensions', id16(MARMOT_GROUP_DATA_EXTENSION), id16(LAST_RESORT_EXTENSION)],
  ];
  if (encoding === 'base64' || opts.tagEncoding) tags.push(['encoding', encoding]);
  if (opts.exp !== undefined) tags.push(['exp', String(opts.exp)]);
  if (opts.p !== undefined) tags.push(['p', opts.p]);
  return signed(who, {
    kind: 443,
    tags: opts.tags ?? tags,
    content: opts.content ?? Buffer.from(kp.bytes).toString(encoding),
    created_at: opts.created_at ?? now(),
  });
}

/** MLS-Exporter("marmot", "group-event", 32) of the state's epoch: the kind 445 content key. */
export async function groupEventKey(state: ClientState): Promise<Uint8Array> {
  const cs = await suite();
  return mlsExporter(state.keySchedule.exporterSecret, 'marmot', new TextEncoder().encode('group-event'), 32, cs);
}

/** base64(nonce || ChaCha20-Poly1305(group_event_key, nonce, mls bytes, empty AAD)). */
export async function encryptGroupContent(state: ClientState, mlsBytes: Uint8Array): Promise<string> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('chacha20-poly1305', await groupEventKey(state), nonce, { authTagLength: 16 });
  const sealed = Buffer.concat([nonce, cipher.update(mlsBytes), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64');
}

/** Reverses {@link encryptGroupContent} with the receiver's state in the same epoch; throws if it fails. */
export async function decryptGroupContent(state: ClientState, content: string): Promise<Uint8Array> {
  const sealed = Buffer.from(content, 'base64');
  if (sealed.length < 28) throw new Error('group event content shorter than nonce + tag');
  const decipher = createDecipheriv(
    'chacha20-poly1305',
    await groupEventKey(state),
    sealed.subarray(0, 12),
    { authTagLength: 16 },
  );
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]));
}

/**
 * A kind 445 group event for `mlsBytes`, signed by a fresh throwaway key, `h` = the group's
 * nostr_group_id. Encrypt with the sender's state in the epoch the message was made in: for a
 * Commit that is the state *before* the Commit.
 */
export async function groupMessageEvent(
  state: ClientState,
  mlsBytes: Uint8Array,
  opts: { expiration?: number; created_at?: number } = {},
): Promise<VerifiedEvent> {
  const tags = [['h', nostrGroupIdOf(state)]];
  if (opts.expiration !== undefined) tags.push(['expiration', String(opts.expiration)]);
  return signed(identity(), {
    kind: 445,
    tags,
    content: await encryptGroupContent(state, mlsBytes),
    created_at: opts.created_at ?? now(),
  });
}

function plain(ev: NostrEvent): VerifiedEvent {
  const { id, pubkey, created_at, kind, tags, content, sig } = ev;
  return { id, pubkey, created_at, kind, tags, content, sig } as VerifiedEvent;
}

/**
 * Wraps a Welcome for `recipientPk`: an unsigned kind 444 rumor (base64 content, `e` = the
 * KeyPackage event id, `relays`) sealed (kind 13) and gift-wrapped (kind 1059) by NIP-59.
 */
export function wrapWelcome(
  sender: Identity,
  recipientPk: string,
  welcome: Uint8Array,
  opts: { keyPackageEventId: string; relays: string[] },
): VerifiedEvent {
  const rumor = {
    kind: 444,
    content: Buffer.from(welcome).toString('base64'),
    tags: [['e', opts.keyPackageEventId], ['relays', ...opts.relays]],
    created_at: now(),
  };
  return plain(wrapEvent(rumor, sender.sk, recipientPk) as NostrEvent);
}

/** Unwraps a gift-wrapped Welcome with the recipient's key; returns the rumor and the Welcome bytes. */
export function unwrapWelcome(
  wrap: NostrEvent,
  recipient: Identity,
): { rumor: Omit<NostrEvent, 'sig'>; welcome: Uint8Array } {
  const rumor = unwrapEvent(wrap, recipient.sk);
  if (rumor.kind !== 444) throw new Error(`gift wrap holds kind ${rumor.kind}, not a 444 Welcome`);
  return { rumor, welcome: new Uint8Array(Buffer.from(rumor.content, 'base64')) };
}
