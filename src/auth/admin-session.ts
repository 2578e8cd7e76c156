import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { KeyValueStore } from '../storage/types.js';

/** KV collections of the admin console's sign-in: one-time links and the sessions they open. Keys are sha256 hex of the secret. */
export const ADMIN_SESSION_COLLECTIONS = { links: 'admin_links', sessions: 'admin_sessions' } as const;

/** How long a sign-in link may wait before it is used, in seconds (default of `admin-link --minutes`: 10 minutes). */
export const ADMIN_LINK_TTL_SECONDS = 600;
/** Longest link lifetime the CLI accepts, in seconds (one hour). */
export const ADMIN_LINK_MAX_TTL_SECONDS = 3600;
/** How long a console session opened by a link lasts, in seconds (one hour; sign in again after). */
export const ADMIN_SESSION_TTL_SECONDS = 3600;

/** What the store keeps for a link or a session: never the secret itself, only its hash as the key. */
type Grant = { pubkey: string; expiresAt: number };

/** A secret as handed to a person: 32 random bytes, base64url (43 characters). */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The store key of a secret: its sha256, so a leaked store does not leak usable secrets. */
export function secretKey(secret: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(secret)));
}

function wellFormed(secret: unknown): secret is string {
  return typeof secret === 'string' && /^[A-Za-z0-9_-]{43}$/.test(secret);
}

/** Writes a one-time sign-in link secret for `pubkey`, valid `ttlSeconds` from `nowSeconds`. Returns the secret. */
export async function createAdminLink(kv: KeyValueStore, pubkey: string, nowSeconds: number, ttlSeconds = ADMIN_LINK_TTL_SECONDS): Promise<{ secret: string; expiresAt: number }> {
  const secret = newSecret();
  const expiresAt = nowSeconds + ttlSeconds;
  await kv.put<Grant>(ADMIN_SESSION_COLLECTIONS.links, secretKey(secret), { pubkey, expiresAt }, { expiresAt });
  return { secret, expiresAt };
}

/**
 * Uses a link once: deletes it in the same atomic update that reads it, so a second use (on any
 * instance sharing the store) finds nothing. Returns the pubkey it was made for, or undefined when
 * the secret is malformed, unknown, already used or expired.
 */
export async function redeemAdminLink(kv: KeyValueStore, secret: unknown, nowSeconds: number): Promise<string | undefined> {
  if (!wellFormed(secret)) return undefined;
  let found: Grant | undefined;
  await kv.update<Grant>(ADMIN_SESSION_COLLECTIONS.links, secretKey(secret), (current) => {
    found = current; // the update may run again (transaction retry): keep the last read
    return undefined;
  });
  return found && found.expiresAt > nowSeconds ? found.pubkey : undefined;
}

/** Opens a console session for `pubkey`; returns the bearer token (shown once, stored hashed). */
export async function openAdminSession(kv: KeyValueStore, pubkey: string, nowSeconds: number): Promise<{ token: string; expiresAt: number }> {
  const token = newSecret();
  const expiresAt = nowSeconds + ADMIN_SESSION_TTL_SECONDS;
  await kv.put<Grant>(ADMIN_SESSION_COLLECTIONS.sessions, secretKey(token), { pubkey, expiresAt }, { expiresAt });
  return { token, expiresAt };
}

/** The pubkey of a live session token, or undefined (malformed, unknown, ended or expired). */
export async function sessionPubkey(kv: KeyValueStore, token: unknown, nowSeconds: number): Promise<string | undefined> {
  if (!wellFormed(token)) return undefined;
  const grant = await kv.get<Grant>(ADMIN_SESSION_COLLECTIONS.sessions, secretKey(token));
  return grant && grant.expiresAt > nowSeconds ? grant.pubkey : undefined;
}

/** Ends a session (sign out). */
export async function closeAdminSession(kv: KeyValueStore, token: unknown): Promise<void> {
  if (wellFormed(token)) await kv.delete(ADMIN_SESSION_COLLECTIONS.sessions, secretKey(token));
}
