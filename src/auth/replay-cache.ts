/**
 * Remembers ids for a while to refuse replays (NIP-98 tokens). Bounded: past `maxEntries` the
 * oldest ids are dropped first, and expired ones are swept as new ids arrive.
 */
export class ReplayCache {
  // Insertion order is expiry order, because every id gets the same lifetime.
  private readonly seen = new Map<string, number>();

  constructor(
    /** How long an id is remembered, in seconds. */
    private readonly ttlSeconds: number,
    /** Most ids remembered at once. Default 100,000. */
    private readonly maxEntries = 100_000,
  ) {}

  /** Records `id` at `nowSeconds`; false when it was already seen within the TTL (a replay). */
  remember(id: string, nowSeconds: number): boolean {
    this.sweep(nowSeconds);
    const expiry = this.seen.get(id);
    if (expiry !== undefined && expiry > nowSeconds) return false;
    this.seen.delete(id);
    this.seen.set(id, nowSeconds + this.ttlSeconds);
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    return true;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  private sweep(nowSeconds: number): void {
    for (const [id, expiry] of this.seen) {
      if (expiry > nowSeconds) break;
      this.seen.delete(id);
    }
  }
}
