/**
 * The two conformance profiles of the gateway, and the one table of the rules that differ between
 * them. `compat` (the default) accepts what deployed Marmot clients publish — MDK-era 443, the
 * sketch-era 30443 of marmot-ts 0.5.x, the adopted 30443 — and validates each fully. `strict`
 * enforces every rule of the adopted `transports/nostr.md` and `foundation/key-packages.md` that a
 * relay can check. Rules both profiles share (signatures, lifetime, `i` = KeyPackageRef, credential
 * = author, 445 content) are not listed: they hold in either.
 */

/** `[mls_gateway] profile`. */
export type Profile = 'compat' | 'strict';
export const PROFILES: readonly Profile[] = ['compat', 'strict'];

/** What each profile requires of one aspect of an event; the names are the refusals' rule names. */
export const PROFILE_RULES = {
  keypackage_framing: {
    compat: 'content is an MLSMessage (wire format mls_key_package) or a bare TLS KeyPackage, every byte consumed',
    strict: 'content is an MLSMessage with wire format mls_key_package',
  },
  keypackage_slot: {
    compat: '30443 `d` is any non-empty string of at most 256 bytes',
    strict: '30443 `d` is 64 lowercase hex characters',
  },
  keypackage_tag_set: {
    compat: '30443 needs `d`; `mls_protocol_version`, `i`, `mls_ciphersuite` are checked when present; extra tags tolerated',
    strict: '30443 carries d, mls_protocol_version, i, mls_ciphersuite, mls_extensions, mls_proposals, app_components, each exactly once',
  },
  keypackage_id_lists: {
    compat: '`mls_ciphersuite` names one ciphersuite (0x0001, 0x1 or 1); other id lists are not read',
    strict: 'id-list tags are non-empty, duplicate-free, each value 0x + 4 lowercase hex digits',
  },
  keypackage_encoding_tag: {
    compat: '443: `encoding` hex (default) or base64; 30443: content is base64, an `encoding` tag naming base64 is tolerated',
    strict: '30443 carries no `encoding` tag',
  },
  keypackage_app_components: {
    compat: 'not checked',
    strict: '`app_components` lists 0x8009 (account identity proof v2)',
  },
  keypackage_lifetime: {
    compat: 'any leaf lifetime that has begun and not ended',
    strict: 'leaf lifetime not_after - not_before is at most 7,261,200 s',
  },
  group_message_tags: {
    compat: '445 has exactly one `h` (1-128 of [0-9A-Za-z_-]); other tags (e.g. the predecessor `k`) tolerated',
    strict: '445 has exactly one `h` of 64 lowercase hex and no tag other than `expiration`',
  },
  group_message_signer: {
    compat: 'any signer',
    strict: '445 is not signed by a pubkey authenticated on the connection or on the allowlist (it must be a fresh ephemeral key)',
  },
  predecessor_kinds: {
    compat: 'top-level 443, 446, 447 and 450 accepted',
    strict: 'top-level 443, 446, 447 and 450 refused unless `predecessor_kinds = true`',
  },
} as const satisfies Record<string, Record<Profile, string>>;

/** The name of a profile rule (a refusal's rule, a metric label). */
export type ProfileRule = keyof typeof PROFILE_RULES;

/** Longest KeyPackage lifetime the adopted spec allows (foundation/key-packages.md), in seconds. */
export const MAX_STRICT_KEYPACKAGE_LIFETIME_SECONDS = 7_261_200;

/** Longest 30443 `d` value compat accepts, in bytes. */
export const MAX_COMPAT_SLOT_BYTES = 256;

/** Kinds of the predecessor dialect that the adopted spec does not publish at top level. */
export const PREDECESSOR_KINDS: readonly number[] = [443, 446, 447, 450];

/** A refusal reason (without prefix) that names the strict rule it broke. */
export function strictRefusal(rule: ProfileRule, text: string): string {
  return `strict profile: ${text} (rule ${rule})`;
}
