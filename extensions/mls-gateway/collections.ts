/**
 * The gateway's key-value collections. Keys are documented beside each; ':' separates parts
 * (pubkeys and ids are hex, group ids are [0-9A-Za-z_-], so ':' never occurs inside a part).
 */
export const COLLECTIONS = {
  /** `<group>` → Roster. */
  rosters: 'mls_rosters',
  /** `version` → RosterVersion (bumped by every roster change; other instances sync their cache from it). */
  rosterMeta: 'mls_roster_meta',
  /** `<group>` → GroupRecord: the registry as written before it was sharded (read, never written now). */
  groups: 'mls_groups',
  /** `<group>:<shard>` → GroupRecord: a share of a group's kind 445 counts (GroupActivity merges the shards). */
  groupActivity: 'mls_group_activity',
  /** `<owner>` → OwnerDirectory (the owner's KeyPackages with their metadata and claims). */
  keyPackages: 'mls_keypackages',
  /** `<expiresAt 12 digits>:<owner>:<event id>` → {} (finds expired KeyPackages in key order). */
  keyPackageExpiry: 'mls_keypackage_expiry',
  /** `<requester>:<owner>` and `<requester>:all` → FetchWindow (consume_on_fetch budgets). */
  fetchWindows: 'mls_keypackage_fetches',
  /** `<recipient>:<event id>` → MailboxEntry (undelivered gift wraps and Noise DMs). */
  mailbox: 'mls_mailbox',
  /**
   * `<recipient>:<kind>:<lane>:<received ms 15 digits>:<event id>` → MailboxEntry: the mailbox in the
   * order entries were received, lane 0 (within their sender's cap) before lane 1 (past it).
   */
  mailboxQueue: 'mls_mailbox_queue',
  /** `<recipient>:<sender>` → {n}: a sender's lane-0 entries in one recipient's mailbox (the per-sender cap). */
  mailboxSenders: 'mls_mailbox_senders',
  /** `queue_v1` → {at}: the entries filed before the queue existed have been queued. */
  mailboxMeta: 'mls_mailbox_meta',
  /** `<expiresAt 12 digits>:<recipient>:<event id>` → {} (finds expired mailbox entries in key order). */
  mailboxExpiry: 'mls_mailbox_expiry',
  /** `<event id>` → TrackedEvent (what the gateway keeps about an event, for NIP-09 deletions). */
  tracked: 'mls_tracked',
} as const;

/** Zero-padded seconds, so keys sort by time. */
export function timeKey(seconds: number): string {
  return String(Math.max(0, Math.floor(seconds))).padStart(12, '0');
}

/** What the gateway keeps about an event id, so a deletion can find its documents. */
export type TrackedEvent = { type: 'keypackage'; owner: string } | { type: 'mail'; recipients: string[]; expiresAt: number };
