import type { KeyValueStore } from '../../../src/storage/types.js';
import { COLLECTIONS } from '../collections.js';
import { hasMember, type Roster } from './roster.js';

/**
 * The `version` document of COLLECTIONS.rosterMeta: bumped by every roster change, with the
 * groups of the last changes, so another instance re-reads only those (or everything when it
 * missed more than the document remembers).
 */
export type RosterVersion = { n: number; recent: { n: number; group: string }[] };

const VERSION_KEY = 'version';
/** Changes the version document remembers. */
const RECENT_MAX = 64;
/** How often `startSync` looks at the version document (one document read when nothing changed). */
export const ROSTER_SYNC_MS = 1000;

type SyncLogger = { warn(obj: object, msg: string): void };

/**
 * The rosters in memory, because the read gate is synchronous. The key-value store stays the
 * source of truth: writes go there first (atomically), then here (`changed`, which also bumps the
 * shared version document). `sync` (every second with `startSync`) re-reads what other instances
 * changed, as the access control does for NIP-86; `refresh` re-reads one group before a decision
 * that may wait (filters, writes); `load` re-reads everything (boot, maintenance).
 */
export class RosterCache {
  private readonly rosters = new Map<string, Roster>();
  private version = 0;
  // Bumped by every local change: a sync or load that read the store before it is discarded.
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(private readonly kv: KeyValueStore) {}

  /** The cached roster of a group. */
  get(group: string): Roster | undefined {
    return this.rosters.get(group);
  }

  /** True when one of `pubkeys` is a member of the group (cached). */
  isMember(group: string, pubkeys: Iterable<string>): boolean {
    return hasMember(this.rosters.get(group), pubkeys);
  }

  /** Groups whose roster lists `pubkey` as a member (cached). */
  groupsOf(pubkey: string): string[] {
    const out: string[] = [];
    for (const roster of this.rosters.values()) if (roster.members.includes(pubkey)) out.push(roster.group);
    return out;
  }

  /** Stores a roster read from the key-value store (or forgets it). */
  set(group: string, roster: Roster | undefined): void {
    if (roster) this.rosters.set(group, roster);
    else this.rosters.delete(group);
  }

  /** A roster this instance just wrote to the key-value store: cached at once, announced to the other instances. */
  async changed(group: string, roster: Roster | undefined): Promise<void> {
    this.generation += 1;
    this.set(group, roster);
    await this.kv.update<RosterVersion>(COLLECTIONS.rosterMeta, VERSION_KEY, (cur) => {
      const n = (cur?.n ?? 0) + 1;
      return { n, recent: [...(cur?.recent ?? []), { n, group }].slice(-RECENT_MAX) };
    });
  }

  /** Re-reads one group's roster from the key-value store. */
  async refresh(group: string): Promise<Roster | undefined> {
    const roster = await this.kv.get<Roster>(COLLECTIONS.rosters, group);
    this.set(group, roster);
    return roster;
  }

  /** Re-reads every roster (the version first: a change landing meanwhile is seen by the next sync). */
  async load(): Promise<void> {
    const generation = this.generation;
    const version = await this.readVersion();
    const entries = await this.kv.list<Roster>(COLLECTIONS.rosters);
    if (generation !== this.generation) return;
    this.rosters.clear();
    for (const { key, value } of entries) this.rosters.set(key, value);
    this.version = version?.n ?? 0;
  }

  /**
   * Applies the roster changes of other instances: reads the version document and, when it moved,
   * re-reads the groups it names (everything when more changed than it remembers).
   */
  async sync(): Promise<void> {
    const generation = this.generation;
    const version = await this.readVersion();
    const n = version?.n ?? 0;
    if (n === this.version) return;
    const missed = version?.recent.filter((c) => c.n > this.version) ?? [];
    if (n < this.version || missed.length < n - this.version) return this.load();
    const groups = [...new Set(missed.map((c) => c.group))];
    const read = await Promise.all(groups.map((g) => this.kv.get<Roster>(COLLECTIONS.rosters, g)));
    if (generation !== this.generation) return;
    groups.forEach((g, i) => this.set(g, read[i]));
    this.version = n;
  }

  /** Runs `sync` every `intervalMs` until `close`; a failing sync is logged and the cache kept. */
  startSync(logger: SyncLogger, intervalMs = ROSTER_SYNC_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.syncing ??= this.sync()
        .catch((err: Error) => logger.warn({ err: err.message }, 'roster sync failed'))
        .finally(() => (this.syncing = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the sync timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readVersion(): Promise<RosterVersion | undefined> {
    return this.kv.get<RosterVersion>(COLLECTIONS.rosterMeta, VERSION_KEY);
  }
}
