import { tagValues, type NostrEvent } from '../../../src/nostr/event.js';
import { COLLECTIONS, type TrackedEvent } from '../collections.js';
import { drainDueEntries, expiryIndexKey } from '../expiry-index.js';
import type { GatewayContext } from '../context.js';

/** An undelivered gift wrap or Noise DM waiting for its recipient. */
export type MailboxEntry = { id: string; kind: number; createdAt: number; receivedAt: number; expiresAt: number };

const mailKey = (recipient: string, id: string): string => `${recipient}:${id}`;
const expiryKey = expiryIndexKey;

/** Files a stored 1059/446 for each `p` recipient until acknowledged or `welcome_ttl`. */
export async function fileInMailbox(ctx: GatewayContext, ev: NostrEvent): Promise<void> {
  const recipients = [...new Set(tagValues(ev, 'p'))];
  const now = ctx.now();
  const expiresAt = now + ctx.cfg.welcome_ttl;
  const entry: MailboxEntry = { id: ev.id, kind: ev.kind, createdAt: ev.created_at, receivedAt: now, expiresAt };
  for (const recipient of recipients) {
    await ctx.kv.put(COLLECTIONS.mailbox, mailKey(recipient, ev.id), entry, { expiresAt });
    await ctx.kv.put(COLLECTIONS.mailboxExpiry, expiryKey(expiresAt, recipient, ev.id), {}, { expiresAt: expiresAt + 86400 });
  }
  const tracked: TrackedEvent = { type: 'mail', recipients, expiresAt };
  await ctx.kv.put(COLLECTIONS.tracked, ev.id, tracked, { expiresAt: expiresAt + 86400 });
}

/** The recipient's pending entries, oldest key first (at most `limit`). */
export async function pendingMail(ctx: GatewayContext, recipient: string, limit: number): Promise<MailboxEntry[]> {
  const entries = await ctx.kv.list<MailboxEntry>(COLLECTIONS.mailbox, { prefix: `${recipient}:`, limit });
  const now = ctx.now();
  return entries.map((e) => e.value).filter((e) => e.expiresAt > now);
}

/** Acknowledges one entry: it leaves the mailbox (the event stays until archive retention). False when absent. */
export async function acknowledgeMail(ctx: GatewayContext, recipient: string, id: string): Promise<boolean> {
  const entry = await ctx.kv.get<MailboxEntry>(COLLECTIONS.mailbox, mailKey(recipient, id));
  if (!entry) return false;
  await ctx.kv.delete(COLLECTIONS.mailbox, mailKey(recipient, id));
  await ctx.kv.delete(COLLECTIONS.mailboxExpiry, expiryKey(entry.expiresAt, recipient, id));
  return true;
}

/** Forgets a deleted event's mailbox entries. */
export async function forgetMail(ctx: GatewayContext, id: string, tracked: Extract<TrackedEvent, { type: 'mail' }>): Promise<void> {
  for (const recipient of tracked.recipients) {
    await ctx.kv.delete(COLLECTIONS.mailbox, mailKey(recipient, id));
    await ctx.kv.delete(COLLECTIONS.mailboxExpiry, expiryKey(tracked.expiresAt, recipient, id));
  }
  await ctx.kv.delete(COLLECTIONS.tracked, id);
}

/**
 * Entries undelivered past `welcome_ttl`: removed from the mailbox and their events from the
 * store. Returns how many events were removed.
 */
export async function purgeUndelivered(ctx: GatewayContext, now: number, batch = 200): Promise<number> {
  return drainDueEntries(
    ctx.kv,
    COLLECTIONS.mailboxExpiry,
    now,
    async (recipient, id) => {
      await ctx.kv.delete(COLLECTIONS.mailbox, mailKey(recipient, id));
      return ctx.events.remove([id]);
    },
    batch,
  );
}
