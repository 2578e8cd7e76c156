import type { GatewayContext } from './context.js';
import { purgeExpiredKeyPackages, updateLowPoolGauge } from './directory/directory-store.js';
import { purgeUndelivered } from './mailbox/mailbox.js';
import { purgeArchive } from './retention.js';

/** What one maintenance pass did. */
export type MaintenanceReport = {
  expiredKeyPackages: number;
  undeliveredRemoved: number;
  archiveRemoved: number;
  lowPoolOwners: number;
};

/**
 * One maintenance pass at `now` (unix seconds): purges expired KeyPackages and undelivered
 * mail past `welcome_ttl` (directory, mailbox and store), applies archive retention, reloads
 * the roster cache (a safety net: other instances' changes arrive by its sync) and refreshes the low-pool gauge.
 */
export async function maintainGateway(ctx: GatewayContext, now: number): Promise<MaintenanceReport> {
  const expiredKeyPackages = await purgeExpiredKeyPackages(ctx, now);
  const undeliveredRemoved = await purgeUndelivered(ctx, now);
  const archiveRemoved = await purgeArchive(ctx, now);
  await ctx.rosters.load();
  const lowPoolOwners = await updateLowPoolGauge(ctx, now);
  return { expiredKeyPackages, undeliveredRemoved, archiveRemoved, lowPoolOwners };
}
