import { ARCHIVED_KINDS } from './kinds.js';
import type { GatewayContext } from './context.js';

/**
 * Archive retention: removes group messages, Noise DMs, KeyPackage requests and gift wraps
 * older than `archive_ttl_days` (0 keeps them forever). NIP-40 `expiration` is the core's job.
 * Works in bounded batches; returns how many events were removed.
 */
export async function purgeArchive(ctx: GatewayContext, now: number, batch = 500, maxBatches = 20): Promise<number> {
  if (ctx.cfg.archive_ttl_days === 0) return 0;
  const until = now - ctx.cfg.archive_ttl_days * 86400;
  let removed = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const old = await ctx.events.query([{ kinds: [...ARCHIVED_KINDS], until, limit: batch }], { now });
    if (old.length === 0) break;
    removed += await ctx.removeEvents(old.map((ev) => ev.id));
    if (old.length < batch) break;
  }
  return removed;
}
