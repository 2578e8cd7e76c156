/** How a NIP-98 token is used: from which client IP, and whether the request only reads. */
export type TokenUse = { ip: string; isRead: boolean };

/** A use that states nothing: a write from nowhere, so the token is strictly single use. */
export const SINGLE_USE: TokenUse = Object.freeze({ ip: '', isRead: false });

/**
 * The one rule for a token seen again within its validity window: accepted only when the first
 * use and this one are both reads from the same IP. Clients (nostr-tools' getToken, used by
 * applesauce's relay management) sign byte-identical tokens for the same read within one second;
 * a state-changing call stays single use, and a token captured by someone else (another IP) is
 * refused either way.
 */
export function mayReuse(first: TokenUse, again: TokenUse): boolean {
  return first.isRead && again.isRead && first.ip !== '' && first.ip === again.ip;
}

/**
 * Remembers ids for a while to refuse replays (NIP-98 tokens). Bounded: past `maxEntries` the
 * oldest ids are dropped first, and expired ones are swept as new ids arrive.
 */
export class ReplayCache {
  // Insertion order is expiry order, because every id gets the same lifetime.
  private readonly seen = new Map<string, { expiry: number; first: TokenUse }>();

  constructor(
    /** How long an id is remembered, in seconds. */
    private readonly ttlSeconds: number,
    /** Most ids remembered at once. Default 100,000. */
    private readonly maxEntries = 100_000,
  ) {}

  /**
   * Records `id` at `nowSeconds` with how it is used (default: single use). False when it was
   * already seen within the TTL and `mayReuse` does not allow this use (a replay).
   */
  remember(id: string, nowSeconds: number, use: TokenUse = SINGLE_USE): boolean {
    this.sweep(nowSeconds);
    const entry = this.seen.get(id);
    if (entry !== undefined && entry.expiry > nowSeconds) return mayReuse(entry.first, use);
    this.seen.delete(id);
    this.seen.set(id, { expiry: nowSeconds + this.ttlSeconds, first: use });
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    return true;
  }

  /** Replaces what is remembered of the first use of `id` (another instance saw it first). */
  correct(id: string, first: TokenUse): void {
    const entry = this.seen.get(id);
    if (entry) entry.first = first;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  private sweep(nowSeconds: number): void {
    for (const [id, entry] of this.seen) {
      if (entry.expiry > nowSeconds) break;
      this.seen.delete(id);
    }
  }
}
