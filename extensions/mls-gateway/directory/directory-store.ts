import type { NostrEvent } from '../../../src/nostr/event.js';
import { COLLECTIONS, type TrackedEvent } from '../collections.js';
import { drainDueEntries, expiryIndexKey } from '../expiry-index.js';
import type { GatewayContext } from '../context.js';
import { KEYPACKAGE_KIND } from '../kinds.js';
import type { KeyPackageInfo } from '../keypackage/validate.js';

/** One KeyPackage in its owner's directory. */
export type DirectoryEntry = {
  id: string;
  kind: number;
  ref: string;
  ciphersuite: KeyPackageInfo['ciphersuite'];
  /** Unix seconds. */
  expiresAt: number;
  createdAt: number;
  /** The `d` slot of a 30443 (a newer event in the same slot replaces it). */
  slot?: string;
  /** How the content was framed; absent on entries stored before framing was recorded. */
  framing?: KeyPackageInfo['framing'];
  /** The requester it was handed to (consume_on_fetch); claimed packages are not handed out again. */
  claimedBy?: string;
  claimedAt?: number;
};

/** An owner's KeyPackages, oldest first. One document, so trims and claims are atomic. */
export type OwnerDirectory = { owner: string; packages: DirectoryEntry[] };

/** Packages that may still be handed out: unclaimed and unexpired. */
export function availablePackages(dir: OwnerDirectory | undefined, now: number): DirectoryEntry[] {
  return (dir?.packages ?? []).filter((p) => p.claimedBy === undefined && p.expiresAt > now);
}

const expiryKey = (p: Pick<DirectoryEntry, 'expiresAt' | 'id'>, owner: string): string =>
  expiryIndexKey(p.expiresAt, owner, p.id);

function byAge(a: DirectoryEntry, b: DirectoryEntry): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Forgets removed packages' side documents (expiry index, tracking). */
async function forget(ctx: GatewayContext, owner: string, removed: DirectoryEntry[]): Promise<void> {
  for (const p of removed) {
    await ctx.kv.delete(COLLECTIONS.keyPackageExpiry, expiryKey(p, owner));
    await ctx.kv.delete(COLLECTIONS.tracked, p.id);
  }
}

/**
 * Adds a stored KeyPackage to its owner's directory. In the same atomic update: drops the
 * package a 30443 replaces (same slot), the expired ones and, oldest first, those beyond
 * `max_keypackages_per_user`. Dropped packages are removed from the event store too.
 */
export async function addKeyPackage(ctx: GatewayContext, ev: NostrEvent, info: KeyPackageInfo): Promise<void> {
  const now = ctx.now();
  const entry: DirectoryEntry = {
    id: ev.id,
    kind: ev.kind,
    ref: info.ref,
    ciphersuite: info.ciphersuite,
    expiresAt: info.expiresAt,
    createdAt: ev.created_at,
    framing: info.framing,
    ...(ev.kind === KEYPACKAGE_KIND && info.slot !== undefined ? { slot: info.slot } : {}),
  };
  let removed: DirectoryEntry[] = [];
  await ctx.kv.update<OwnerDirectory>(COLLECTIONS.keyPackages, ev.pubkey, (current) => {
    removed = []; // the function may run again (transaction retry)
    const keep: DirectoryEntry[] = [];
    for (const p of current?.packages ?? []) {
      if (p.id === ev.id) continue;
      const replaced = entry.slot !== undefined && p.kind === entry.kind && p.slot === entry.slot;
      if (replaced || p.expiresAt <= now) removed.push(p);
      else keep.push(p);
    }
    keep.push(entry);
    keep.sort(byAge);
    while (keep.length > ctx.cfg.max_keypackages_per_user) removed.push(keep.shift() as DirectoryEntry);
    return { owner: ev.pubkey, packages: keep };
  });
  const tracked: TrackedEvent = { type: 'keypackage', owner: ev.pubkey };
  if (!removed.some((p) => p.id === ev.id)) {
    await ctx.kv.put(COLLECTIONS.tracked, ev.id, tracked);
    await ctx.kv.put(COLLECTIONS.keyPackageExpiry, expiryKey(entry, ev.pubkey), {});
    ctx.metrics.keyPackagesStored.inc({ framing: info.framing });
  }
  if (removed.length > 0) {
    await ctx.removeEvents(removed.map((p) => p.id));
    await forget(ctx, ev.pubkey, removed);
  }
}

/**
 * Removes packages from an owner's directory (NIP-09 deletion, expiry): those listed by id, or
 * those `which` selects. Returns the removed entries.
 */
export async function removeKeyPackages(
  ctx: GatewayContext,
  owner: string,
  which: string[] | ((p: DirectoryEntry) => boolean),
): Promise<DirectoryEntry[]> {
  const selected = typeof which === 'function' ? which : (p: DirectoryEntry) => which.includes(p.id);
  let removed: DirectoryEntry[] = [];
  await ctx.kv.update<OwnerDirectory>(COLLECTIONS.keyPackages, owner, (current) => {
    removed = []; // the function may run again (transaction retry)
    if (!current) return current;
    removed = current.packages.filter(selected);
    return { owner, packages: current.packages.filter((p) => !selected(p)) };
  });
  await forget(ctx, owner, removed);
  return removed;
}

/** Purges KeyPackages whose lifetime ended, from the directory and the event store. Returns how many. */
export async function purgeExpiredKeyPackages(ctx: GatewayContext, now: number, batch = 200): Promise<number> {
  return drainDueEntries(
    ctx.kv,
    COLLECTIONS.keyPackageExpiry,
    now,
    async (owner, id) => {
      await removeKeyPackages(ctx, owner, [id]);
      await ctx.removeEvents([id]);
      return 1;
    },
    batch,
  );
}

/** Counts owners whose available pool is below `low_pool_threshold` and sets the gauge. Returns the count. */
export async function updateLowPoolGauge(ctx: GatewayContext, now: number): Promise<number> {
  const dirs = await ctx.kv.list<OwnerDirectory>(COLLECTIONS.keyPackages);
  let low = 0;
  for (const { value } of dirs) if (availablePackages(value, now).length < ctx.cfg.low_pool_threshold) low += 1;
  ctx.metrics.lowPoolOwners.set(low);
  return low;
}
