/** MLS KeyPackage, predecessor dialect (regular, `exp` tag). */
export const KEYPACKAGE_LEGACY_KIND = 443;
export type KEYPACKAGE_LEGACY_KIND = typeof KEYPACKAGE_LEGACY_KIND;
/** MLS Welcome rumor: only ever valid inside a gift wrap. */
export const WELCOME_KIND = 444;
export type WELCOME_KIND = typeof WELCOME_KIND;
/** MLS group message, signed by a throwaway key. */
export const GROUP_MESSAGE_KIND = 445;
export type GROUP_MESSAGE_KIND = typeof GROUP_MESSAGE_KIND;
/** Noise DM (this product). */
export const NOISE_DM_KIND = 446;
export type NOISE_DM_KIND = typeof NOISE_DM_KIND;
/** KeyPackage request (predecessor). */
export const KEYPACKAGE_REQUEST_KIND = 447;
export type KEYPACKAGE_REQUEST_KIND = typeof KEYPACKAGE_REQUEST_KIND;
/** Roster / policy operation (predecessor), admin-signed. */
export const ROSTER_KIND = 450;
export type ROSTER_KIND = typeof ROSTER_KIND;
/** NIP-59 gift wrap: the core's constant. */
export { GIFT_WRAP_KIND } from '../../src/nostr/kinds.js';
/** MLS KeyPackage, current Marmot dialect (addressable by `d` slot). */
export const KEYPACKAGE_KIND = 30443;
export type KEYPACKAGE_KIND = typeof KEYPACKAGE_KIND;

/** Every kind the gateway has rules for (NIP-11). */
export const GATEWAY_KINDS: readonly number[] = [443, 444, 445, 446, 447, 450, 1059, 30443];
/** Kinds kept only for `archive_ttl_days`. */
export const ARCHIVED_KINDS: readonly number[] = [445, 446, 447, 1059];

/** True for either KeyPackage kind. */
export function isKeyPackageKind(kind: number): boolean {
  return kind === KEYPACKAGE_KIND || kind === KEYPACKAGE_LEGACY_KIND;
}

/** The gateway's kinds addressed to their `p` recipients (like gift wraps): only those read or delete them. */
export const RECIPIENT_ONLY_GATEWAY_KINDS: readonly number[] = Object.freeze([NOISE_DM_KIND, KEYPACKAGE_REQUEST_KIND]);
