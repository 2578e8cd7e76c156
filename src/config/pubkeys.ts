import { nip19 } from 'nostr-tools';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** Hex pubkey of an npub or 64-hex string, or undefined when it is neither. */
export function toHexPubkey(ref: string): string | undefined {
  const s = ref.trim();
  if (HEX64.test(s)) return s.toLowerCase();
  if (s.startsWith('npub1')) {
    try {
      const decoded = nip19.decode(s);
      return decoded.type === 'npub' ? decoded.data : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** True for an npub or 64-hex pubkey. */
export function isPubkeyRef(ref: string): boolean {
  return toHexPubkey(ref) !== undefined;
}

/** Shortened pubkey for logs: never a whole identifier. */
export function shortKey(hex: string): string {
  return `${hex.slice(0, 8)}…`;
}
