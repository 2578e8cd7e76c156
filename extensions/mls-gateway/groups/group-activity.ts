import type { KeyValueStore } from '../../../src/storage/types.js';
import { COLLECTIONS } from '../collections.js';

/** What the registry knows about a group from its kind 445 traffic (never the content). */
export type GroupRecord = {
  group: string;
  /** Unix seconds the relay first stored a message of the group. */
  firstSeen: number;
  /** Unix seconds of the newest stored message (created_at). */
  lastActivity: number;
  messageCount: number;
  /** The last epoch hint seen in a `k` tag, if any. */
  epochHint?: string;
};

type Logger = { warn(obj: object, msg: string): void };

/** Options of GroupActivity. */
export type GroupActivityOptions = {
  /** How often pending counts are written, in ms: each group gets at most one write per instance per period. Default 1,000. */
  flushMs?: number;
  /** Shard documents per group; each flush picks one at random. Default 8. */
  shards?: number;
  logger?: Logger;
};

/** Folds `b` into `a` (counts add, first/last times widen, the newer epoch hint wins). */
export function mergeRecords(a: GroupRecord | undefined, b: GroupRecord): GroupRecord {
  if (!a) return { ...b };
  const newer = b.lastActivity >= a.lastActivity ? b : a;
  const epochHint = newer.epochHint ?? (newer === b ? a.epochHint : b.epochHint);
  return {
    group: b.group,
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastActivity: Math.max(a.lastActivity, b.lastActivity),
    messageCount: a.messageCount + b.messageCount,
    ...(epochHint !== undefined ? { epochHint } : {}),
  };
}

/** The key of a group's shard document: `<group>:<shard>` (group ids never hold ':'). */
const shardKey = (group: string, shard: number): string => `${group}:${shard}`;

/**
 * The group registry without a hot document. A kind 445 only adds to this instance's in-memory
 * delta for its group (no I/O on the publish path); every `flushMs` each group's delta is merged into
 * one of `shards` shard documents picked at random (one transaction per group and period). A busy
 * group thus costs at most `instances / flushMs` writes per second spread over `shards` documents,
 * each far under Firestore's ~1 write/s per document while instances ≤ shards. Readers merge the
 * shards (and this instance's unflushed delta). A crash loses at most one period of counts: the
 * registry is statistics, the messages themselves are in the event store.
 */
export class GroupActivity {
  private pending = new Map<string, GroupRecord>();
  private readonly flushMs: number;
  private readonly shards: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly opts: GroupActivityOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 1000;
    this.shards = opts.shards ?? 8;
  }

  /** Counts one stored message of `group` (created_at `createdAt`, epoch hint from its `k` tag) seen at `now`. */
  record(group: string, createdAt: number, now: number, epochHint?: string): void {
    const one: GroupRecord = { group, firstSeen: now, lastActivity: createdAt, messageCount: 1, ...(epochHint !== undefined ? { epochHint } : {}) };
    this.pending.set(group, mergeRecords(this.pending.get(group), one));
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes every pending delta (one shard document per group); a failed group keeps its delta for the next flush. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
      this.timer = undefined;
      if (this.pending.size > 0) this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...batch.values()].map(async (delta) => {
        const key = shardKey(delta.group, Math.floor(Math.random() * this.shards));
        try {
          await this.kv.update<GroupRecord>(COLLECTIONS.groupActivity, key, (cur) => mergeRecords(cur, delta));
        } catch (err) {
          this.opts.logger?.warn({ err: (err as Error).message }, 'group activity flush failed; retrying next period');
          this.pending.set(delta.group, mergeRecords(this.pending.get(delta.group), delta));
        }
      }),
    );
  }

  /** The group's record: its shard documents, a record written before sharding, and this instance's unflushed delta. */
  async get(group: string): Promise<GroupRecord | undefined> {
    const [shards, legacy] = await Promise.all([
      this.kv.list<GroupRecord>(COLLECTIONS.groupActivity, { prefix: `${group}:` }),
      this.kv.get<GroupRecord>(COLLECTIONS.groups, group),
    ]);
    let out = legacy;
    for (const { value } of shards) out = mergeRecords(out, value);
    const local = this.pending.get(group);
    return local ? mergeRecords(out, local) : out;
  }

  /** Up to `limit` groups' records, merged as `get` does, in group order. */
  async list(limit: number): Promise<GroupRecord[]> {
    const [shards, legacy] = await Promise.all([
      this.kv.list<GroupRecord>(COLLECTIONS.groupActivity, { limit: limit * this.shards }),
      this.kv.list<GroupRecord>(COLLECTIONS.groups, { limit }),
    ]);
    const byGroup = new Map<string, GroupRecord>();
    for (const { value } of [...legacy, ...shards]) byGroup.set(value.group, mergeRecords(byGroup.get(value.group), value));
    for (const delta of this.pending.values()) byGroup.set(delta.group, mergeRecords(byGroup.get(delta.group), delta));
    return [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)).slice(0, limit);
  }

  /** Stops the timer after writing what is pending (shutdown: before the store closes). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
