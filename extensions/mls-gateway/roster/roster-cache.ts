import type { KeyValueStore } from '../../../src/storage/types.js';
import { COLLECTIONS } from '../collections.js';
import { hasMember, type Roster } from './roster.js';

/**
 * The rosters in memory, because the read gate is synchronous. The key-value store stays the
 * source of truth: writes go there first (atomically) and then here; `reload` picks up what
 * other instances wrote (called by maintenance), and `refresh` re-reads one group before a
 * decision that may wait (filters, writes).
 */
export class RosterCache {
  private readonly rosters = new Map<string, Roster>();

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

  /** Stores a roster just written to the key-value store (or forgets it). */
  set(group: string, roster: Roster | undefined): void {
    if (roster) this.rosters.set(group, roster);
    else this.rosters.delete(group);
  }

  /** Re-reads one group's roster from the key-value store. */
  async refresh(group: string): Promise<Roster | undefined> {
    const roster = await this.kv.get<Roster>(COLLECTIONS.rosters, group);
    this.set(group, roster);
    return roster;
  }

  /** Re-reads every roster. */
  async reload(): Promise<void> {
    const entries = await this.kv.list<Roster>(COLLECTIONS.rosters);
    this.rosters.clear();
    for (const { key, value } of entries) this.rosters.set(key, value);
  }
}
