import type { NostrEvent } from '../../../src/nostr/event.js';
import type { OverwriteResults, SessionContext } from '../../../src/relay/hooks.js';
import { COLLECTIONS } from '../collections.js';
import type { GatewayContext } from '../context.js';
import { isKeyPackageKind } from '../kinds.js';
import { availablePackages, type OwnerDirectory } from './directory-store.js';

/** Fixed-window count of one requester's fetches of one owner's KeyPackages. */
export type FetchWindow = { start: number; count: number };

const WINDOW_SECONDS = 3600;

/** Who is asking: the first authenticated pubkey (sorted, so stable), else the IP. */
export function requesterOf(ctx: SessionContext): string {
  const authed = [...ctx.authed].sort();
  return authed[0] ?? `ip:${ctx.ip}`;
}

/** Counts one fetch in a window (key `<requester>:<owner>`, or `<requester>:all` across owners); false when it is full. */
async function countFetch(ctx: GatewayContext, key: string, limit: number, now: number): Promise<boolean> {
  if (limit === 0) return true;
  let allowed = false;
  await ctx.kv.update<FetchWindow>(COLLECTIONS.fetchWindows, key, (current) => {
    const window = !current || now - current.start >= WINDOW_SECONDS ? { start: now, count: 0 } : current;
    allowed = window.count < limit;
    return allowed ? { start: window.start, count: window.count + 1 } : window;
  });
  return allowed;
}

/**
 * Counts one fetch of `owner`'s packages by `requester` in both budgets: per requester and owner
 * (below the pool, so one requester cannot drain it) and per requester across owners. False when
 * either is spent (a fetch refused by the second still counts in the first: the budgets err on
 * the side of handing out less).
 */
async function reserveFetch(ctx: GatewayContext, requester: string, owner: string, now: number): Promise<boolean> {
  if (!(await countFetch(ctx, `${requester}:${owner}`, ctx.cfg.keypackage_fetches_per_owner_per_hour, now))) return false;
  return countFetch(ctx, `${requester}:all`, ctx.cfg.keypackage_fetches_per_hour, now);
}

/**
 * Picks the newest of `candidates` still available and claims it for `requester`, atomically.
 * When it is the owner's last available package it is handed out unclaimed (a last resort is
 * never consumed). Returns the id handed out, if any.
 */
export async function claimKeyPackage(
  ctx: GatewayContext,
  requester: string,
  owner: string,
  candidates: NostrEvent[],
  now: number,
): Promise<string | undefined> {
  let chosen: string | undefined;
  let consumed = false;
  await ctx.kv.update<OwnerDirectory>(COLLECTIONS.keyPackages, owner, (current) => {
    chosen = undefined; // the function may run again (transaction retry)
    consumed = false;
    if (!current) return current;
    const available = availablePackages(current, now);
    const pick = candidates.find((ev) => available.some((p) => p.id === ev.id));
    if (!pick) return current;
    chosen = pick.id;
    if (available.length <= 1) return current;
    consumed = true;
    const packages = current.packages.map((p) => (p.id === pick.id ? { ...p, claimedBy: requester, claimedAt: now } : p));
    return { ...current, packages };
  });
  if (consumed) ctx.metrics.keyPackagesConsumed.inc();
  return chosen;
}

/**
 * consume_on_fetch: of the KeyPackages about to be sent to someone other than their owner,
 * hands out at most one per owner (claimed, so nobody gets it again), subject to the fetch
 * budgets. Live fanout never sends them (nor claims them): a subscriber holding a KeyPackage
 * filter would otherwise claim every new package of every owner. The owner always sees their
 * own packages. Other events pass.
 */
export function claimKeyPackagesOnFetch(ctx: GatewayContext): OverwriteResults {
  return async (session, _filters, events, path) => {
    const isForeign = (ev: NostrEvent): boolean => isKeyPackageKind(ev.kind) && !session.authed.has(ev.pubkey);
    if (path === 'live') return events.filter((ev) => !isForeign(ev));
    const byOwner = new Map<string, NostrEvent[]>();
    for (const ev of events) if (isForeign(ev)) byOwner.set(ev.pubkey, [...(byOwner.get(ev.pubkey) ?? []), ev]);
    if (byOwner.size === 0) return events;
    const now = ctx.now();
    const requester = requesterOf(session);
    const handed = new Set<string>();
    for (const [owner, candidates] of byOwner) {
      if (!(await reserveFetch(ctx, requester, owner, now))) continue;
      const id = await claimKeyPackage(ctx, requester, owner, candidates, now);
      if (id) handed.add(id);
    }
    return events.filter((ev) => !isForeign(ev) || handed.has(ev.id));
  };
}
