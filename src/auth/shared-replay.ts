import type { KeyValueStore } from '../storage/types.js';
import { mayReuse, ReplayCache, SINGLE_USE, type TokenUse } from './replay-cache.js';

/**
 * Where used NIP-98 event ids are remembered; false from `remember` means a refused replay. `use`
 * says how the token is used now (default: single use); see mayReuse.
 */
export interface ReplayGuard {
  remember(id: string, nowSeconds: number, use?: TokenUse): boolean | Promise<boolean>;
}

/** The kv collection of NIP-98 event ids already used. */
export const USED_HTTP_AUTH_COLLECTION = 'nip98_used';

/** The record of a token's first use (`ip`/`read` absent in records written before reads could be reused). */
type UsedToken = { at: number; ip?: string; read?: boolean };

/**
 * Refuses a NIP-98 token used on any instance that shares the store, not just this one: with
 * several Cloud Run instances a captured token could otherwise be replayed once per instance
 * within its 60 s window. The local cache answers a replay on the same instance without a round
 * trip; a first sighting is claimed atomically in the kv store, with an expiry so the documents
 * go away on their own (TTL on Firestore, the purge on SQLite). The record keeps the first use's
 * IP and whether it was a read, so `mayReuse` decides the same way on every instance.
 */
export class SharedReplayGuard implements ReplayGuard {
  private readonly local: ReplayCache;

  constructor(
    private readonly kv: KeyValueStore,
    /** How long an id is remembered, in seconds. */
    private readonly ttlSeconds: number,
  ) {
    this.local = new ReplayCache(ttlSeconds);
  }

  async remember(id: string, nowSeconds: number, use: TokenUse = SINGLE_USE): Promise<boolean> {
    if (!this.local.remember(id, nowSeconds, use)) return false;
    let allowed = false;
    let first: TokenUse = use;
    await this.kv.update<UsedToken>(
      USED_HTTP_AUTH_COLLECTION,
      id,
      (current) => {
        if (current === undefined) {
          allowed = true;
          return { at: nowSeconds, ip: use.ip, read: use.isRead };
        }
        first = { ip: current.ip ?? '', isRead: current.read === true };
        allowed = mayReuse(first, use);
        return current;
      },
      { expiresAt: nowSeconds + this.ttlSeconds },
    );
    // Another instance may have seen the token first: judge later uses here by that first use.
    this.local.correct(id, first);
    return allowed;
  }
}
