/** NIP-01 kind classes. */
export type KindClass = 'regular' | 'replaceable' | 'ephemeral' | 'addressable';

/** Deletion request (NIP-09). */
export const DELETION_KIND = 5;
export type DELETION_KIND = typeof DELETION_KIND;
/** Client authentication (NIP-42). */
export const CLIENT_AUTH_KIND = 22242;
export type CLIENT_AUTH_KIND = typeof CLIENT_AUTH_KIND;
/** Gift wrap (NIP-59). */
export const GIFT_WRAP_KIND = 1059;
export type GIFT_WRAP_KIND = typeof GIFT_WRAP_KIND;

/** Which NIP-01 storage class a kind belongs to. */
export function kindClass(kind: number): KindClass {
  if (kind === 0 || kind === 3 || (kind >= 10000 && kind < 20000)) return 'replaceable';
  if (kind >= 20000 && kind < 30000) return 'ephemeral';
  if (kind >= 30000 && kind < 40000) return 'addressable';
  return 'regular';
}
