import { tagValues, type NostrEvent } from '../../../src/nostr/event.js';
import type { SessionContext } from '../../../src/relay/hooks.js';
import { COLLECTIONS, type TrackedEvent } from '../collections.js';
import { drainDueEntries, expiryIndexKey } from '../expiry-index.js';
import type { GatewayContext } from '../context.js';

/**
 * An undelivered gift wrap or Noise DM waiting for its recipient. `sender` is who delivered it (see
 * mailSender); `lane` 1 when that sender was past its cap; `queueKey` its key in the time-ordered queue.
 * Entries filed before the queue existed get a queue key from queueOlderMail.
 */
export type MailboxEntry = {
  id: string;
  kind: number;
  createdAt: number;
  receivedAt: number;
  expiresAt: number;
  sender?: string;
  lane?: 0 | 1;
  queueKey?: string;
};

/** A page of a recipient's mailbox; `next` continues it (a cursor for mailboxPage). */
export type MailboxPage = { entries: MailboxEntry[]; next?: string };

type SenderCount = { n: number };

const mailKey = (recipient: string, id: string): string => `${recipient}:${id}`;
const senderKey = (recipient: string, sender: string): string => `${recipient}:${sender}`;
const queuePrefix = (recipient: string, kind: number): string => `${recipient}:${kind}:`;
const expiryKey = expiryIndexKey;
/** Documents outlive their entry's expiry by a day, so the purge still finds every index of it. */
const GRACE = 86400;
const QUEUE_MARK = 'queue_v1';

/**
 * Who delivered an event, as the mailbox caps it: the connection's first authenticated pubkey
 * (gift wraps are signed by random keys, so the author says nothing), else its IP (an outsider's
 * inbox delivery). Free of ':' so it fits in a key.
 */
export function mailSender(session: SessionContext): string {
  const authed = [...session.authed].sort();
  return authed[0] ?? `ip-${session.ip.replace(/[^0-9A-Za-z.]/g, '-')}`;
}

/** Takes one lane-0 place of `sender` in `recipient`'s mailbox; false when the sender is at its cap. */
async function takePlace(ctx: GatewayContext, recipient: string, sender: string, expiresAt: number): Promise<boolean> {
  const cap = ctx.cfg.mailbox_per_sender;
  if (cap === 0) return true;
  let placed = false;
  await ctx.kv.update<SenderCount>(
    COLLECTIONS.mailboxSenders,
    senderKey(recipient, sender),
    (cur) => {
      const n = cur?.n ?? 0;
      placed = n < cap;
      return placed ? { n: n + 1 } : cur;
    },
    // A count that drifted (a crash between two writes) is forgotten with the mail it counted.
    { expiresAt: expiresAt + GRACE },
  );
  return placed;
}

async function releasePlace(ctx: GatewayContext, recipient: string, entry: MailboxEntry): Promise<void> {
  if (entry.lane !== 0 || entry.sender === undefined || ctx.cfg.mailbox_per_sender === 0) return;
  await ctx.kv.update<SenderCount>(COLLECTIONS.mailboxSenders, senderKey(recipient, entry.sender), (cur) =>
    cur && cur.n > 1 ? { n: cur.n - 1 } : undefined,
  );
}

/**
 * Files a stored 1059/446 for each `p` recipient until acknowledged or `welcome_ttl`, in the order
 * received. A sender past `mailbox_per_sender` entries in one mailbox goes to lane 1, listed after
 * every lane-0 entry, so one member's flood cannot bury the others' Welcomes.
 */
let lastArrival = 0;

/**
 * Milliseconds that order the queue (the gateway clock is in seconds), strictly increasing within
 * this process: wraps filed in the same millisecond keep their order of arrival (an id tie-break
 * would reorder them). Runs ahead of the wall clock by a millisecond per same-millisecond arrival.
 */
function arrivalStamp(): number {
  lastArrival = Math.max(Date.now(), lastArrival + 1);
  return lastArrival;
}

export async function fileInMailbox(ctx: GatewayContext, ev: NostrEvent, sender: string): Promise<void> {
  const recipients = [...new Set(tagValues(ev, 'p'))];
  const now = ctx.now();
  const expiresAt = now + ctx.cfg.welcome_ttl;
  const filing: Filing = { ev, sender, now, expiresAt, received: String(arrivalStamp()).padStart(15, '0') };
  const tracked: TrackedEvent = { type: 'mail', recipients, expiresAt };
  // Independent keys, written together: one group commit on SQLite, concurrent RPCs on Firestore.
  await Promise.all([
    ...recipients.map((recipient) => fileFor(ctx, filing, recipient)),
    ctx.kv.put(COLLECTIONS.tracked, ev.id, tracked, { expiresAt: expiresAt + GRACE }),
  ]);
}

/** One wrap being filed: who sent it, when, until when it waits, and its place in arrival order. */
type Filing = { ev: NostrEvent; sender: string; now: number; expiresAt: number; received: string };

/** One recipient's entries of a wrap: its lane (the sender's cap), then the entry, its queue position and its expiry. */
async function fileFor(ctx: GatewayContext, { ev, sender, now, expiresAt, received }: Filing, recipient: string): Promise<void> {
  const lane = (await takePlace(ctx, recipient, sender, expiresAt)) ? 0 : 1;
  const queueKey = `${queuePrefix(recipient, ev.kind)}${lane}:${received}:${ev.id}`;
  const entry: MailboxEntry = { id: ev.id, kind: ev.kind, createdAt: ev.created_at, receivedAt: now, expiresAt, sender, lane, queueKey };
  const ttl = { expiresAt: expiresAt + GRACE };
  await Promise.all([
    ctx.kv.put(COLLECTIONS.mailbox, mailKey(recipient, ev.id), entry, ttl),
    ctx.kv.put(COLLECTIONS.mailboxQueue, queueKey, entry, ttl),
    ctx.kv.put(COLLECTIONS.mailboxExpiry, expiryKey(expiresAt, recipient, ev.id), {}, ttl),
  ]);
}

/**
 * One page of the recipient's pending entries of `kind`, lane 0 then lane 1, each in the order
 * received, starting after `cursor` (a `next` of an earlier page). `next` is set when more remain.
 */
export async function mailboxPage(ctx: GatewayContext, recipient: string, kind: number, limit: number, cursor?: string): Promise<MailboxPage> {
  const prefix = queuePrefix(recipient, kind);
  const found = await ctx.kv.list<MailboxEntry>(COLLECTIONS.mailboxQueue, {
    prefix,
    limit: limit + 1,
    ...(cursor !== undefined ? { after: prefix + cursor } : {}),
  });
  const page = found.slice(0, limit);
  const now = ctx.now();
  const entries = page.map((e) => e.value).filter((e) => e.expiresAt > now);
  const last = page[page.length - 1];
  return found.length > limit && last ? { entries, next: last.key.slice(prefix.length) } : { entries };
}

/**
 * Queues, once per database, the entries filed before the queue existed (lane 0, in the second
 * they were received), so they stay listed. Returns how many it queued.
 */
export async function queueOlderMail(ctx: GatewayContext): Promise<number> {
  if (await ctx.kv.get(COLLECTIONS.mailboxMeta, QUEUE_MARK)) return 0;
  let queued = 0;
  for (const { key, value } of await ctx.kv.list<MailboxEntry>(COLLECTIONS.mailbox)) {
    if (value.queueKey !== undefined) continue;
    const recipient = key.slice(0, key.indexOf(':'));
    const received = String(value.receivedAt * 1000).padStart(15, '0');
    const entry: MailboxEntry = { ...value, lane: 0, queueKey: `${queuePrefix(recipient, value.kind)}0:${received}:${value.id}` };
    await ctx.kv.put(COLLECTIONS.mailboxQueue, entry.queueKey as string, entry, { expiresAt: value.expiresAt + GRACE });
    await ctx.kv.put(COLLECTIONS.mailbox, key, entry, { expiresAt: value.expiresAt + GRACE });
    queued += 1;
  }
  await ctx.kv.put(COLLECTIONS.mailboxMeta, QUEUE_MARK, { at: ctx.now() });
  return queued;
}

/** Takes one entry out of every index (the event stays until archive retention). */
async function removeEntry(ctx: GatewayContext, recipient: string, entry: MailboxEntry): Promise<void> {
  await ctx.kv.delete(COLLECTIONS.mailbox, mailKey(recipient, entry.id));
  if (entry.queueKey !== undefined) await ctx.kv.delete(COLLECTIONS.mailboxQueue, entry.queueKey);
  await ctx.kv.delete(COLLECTIONS.mailboxExpiry, expiryKey(entry.expiresAt, recipient, entry.id));
  await releasePlace(ctx, recipient, entry);
}

/** Acknowledges one entry: it leaves the mailbox (the event stays until archive retention). False when absent. */
export async function acknowledgeMail(ctx: GatewayContext, recipient: string, id: string): Promise<boolean> {
  const entry = await ctx.kv.get<MailboxEntry>(COLLECTIONS.mailbox, mailKey(recipient, id));
  if (!entry || entry.expiresAt <= ctx.now()) return false;
  await removeEntry(ctx, recipient, entry);
  return true;
}

/** Forgets a deleted event's mailbox entries. */
export async function forgetMail(ctx: GatewayContext, id: string, tracked: Extract<TrackedEvent, { type: 'mail' }>): Promise<void> {
  for (const recipient of tracked.recipients) {
    const entry = await ctx.kv.get<MailboxEntry>(COLLECTIONS.mailbox, mailKey(recipient, id));
    if (entry) await removeEntry(ctx, recipient, entry);
    else await ctx.kv.delete(COLLECTIONS.mailboxExpiry, expiryKey(tracked.expiresAt, recipient, id));
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
      const entry = await ctx.kv.get<MailboxEntry>(COLLECTIONS.mailbox, mailKey(recipient, id));
      if (entry) await removeEntry(ctx, recipient, entry);
      else await ctx.kv.delete(COLLECTIONS.mailbox, mailKey(recipient, id));
      return ctx.removeEvents([id]);
    },
    batch,
  );
}
