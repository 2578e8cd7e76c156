import type { KeyValueStore } from '../storage/types.js';
import { ReplayCache } from './replay-cache.js';

/** Where used NIP-98 event ids are remembered; false from `remember` means a replay. */
export interface ReplayGuard {
  remember(id: string, nowSeconds: number): boolean | Promise<boolean>;
}

/** The kv collection of NIP-98 event ids already used. */
export const USED_HTTP_AUTH_COLLECTION = 'nip98_used';

/**
 * Refuses a NIP-98 token used on any instance that shares the store, not just this one: with
 * several Cloud Run instances a captured token could otherwise be replayed once per instance
 * within its 60 s window. The local cache answers a replay on the same instance without a round
 * trip; a first sighting is claimed atomically in the kv store, with an expiry so the documents
 * go away on their own (TTL on Firestore, the purge on SQLite).
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

  async remember(id: string, nowSeconds: number): Promise<boolean> {
    if (!this.local.remember(id, nowSeconds)) return false;
    let firstUse = false;
    await this.kv.update<{ at: number }>(
      USED_HTTP_AUTH_COLLECTION,
      id,
      (current) => {
        firstUse = current === undefined;
        return current ?? { at: nowSeconds };
      },
      { expiresAt: nowSeconds + this.ttlSeconds },
    );
    return firstUse;
  }
}
