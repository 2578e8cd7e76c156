import type { Logger } from 'pino';
import { shortKey, toHexPubkey } from '../config/pubkeys.js';
import type { KeyValueStore } from '../storage/types.js';
import type { AuthMetrics } from './metrics.js';

/** KV collections holding admin decisions (shared by every instance on the same store). */
export const ACCESS_COLLECTIONS = {
  allowed: 'access_allowed',
  banned: 'access_banned',
  bannedEvents: 'access_banned_events',
  /** One document, `version`, bumped by every change: a refresh reads it and reloads only when it moved. */
  meta: 'access_meta',
} as const;

const VERSION_KEY = 'version';
type VersionDoc = { n: number };

/** One admin decision as stored: when, and the reason the admin gave (NIP-86 `reason`). */
export type AccessEntry = { reason?: string; at: number };

/** A listed pubkey or event id with its reason (the NIP-86 list shapes). */
export type ListedPubkey = { pubkey: string; reason?: string };
export type ListedEvent = { id: string; reason?: string };
/** An allowed pubkey and where its access comes from (see AccessControl.listAllowedSources). */
export type AllowedSources = { pubkey: string; sources: Array<'file' | 'admin' | 'api'>; reason?: string; at?: number };

/** Options of AccessControl.create. */
export type AccessControlOptions = {
  kv: KeyValueStore;
  /** auth.allowlist from the config file (npub or hex). */
  allowlist: readonly string[];
  /** auth.admin_pubkeys from the config file (npub or hex). */
  admins: readonly string[];
  logger: Logger;
  metrics?: AuthMetrics;
};

type State = {
  allowed: Map<string, AccessEntry>;
  banned: Map<string, AccessEntry>;
  bannedEvents: Map<string, AccessEntry>;
  /** The version document read before the collections (0 when none was ever written). */
  version: number;
};
type RevokeListener = (pubkey: string) => void;

function hexSet(refs: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const ref of refs) {
    const hex = toHexPubkey(ref);
    if (hex) out.add(hex);
  }
  return out;
}

async function readCollection(kv: KeyValueStore, collection: string): Promise<Map<string, AccessEntry>> {
  const entries = await kv.list<AccessEntry>(collection);
  return new Map(entries.map((e) => [e.key, e.value]));
}

/**
 * Who may use the relay: the merged view of the config file (allowlist, admin_pubkeys) and the
 * admin decisions persisted in the KeyValueStore (NIP-86 allow/ban). Reads are synchronous, from
 * memory; writes go to the store first, then to memory.
 *
 * Rules: a ban overrides everything (file, API allow, admin status); admins are implicitly allowed.
 * `onRevoked` fires whenever a pubkey stops being allowed or is banned, so live sessions can be cut.
 */
export class AccessControl {
  private fileAllowed: Set<string>;
  private fileAdmins: Set<string>;
  private state: State;
  private readonly listeners: RevokeListener[] = [];
  // Bumped by every local write, so a refresh that read the store before that write is discarded.
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly opts: AccessControlOptions,
    state: State,
  ) {
    this.fileAllowed = hexSet(opts.allowlist);
    this.fileAdmins = hexSet(opts.admins);
    this.state = state;
  }

  /** Loads the persisted decisions and returns a ready AccessControl. */
  static async create(opts: AccessControlOptions): Promise<AccessControl> {
    return new AccessControl(opts, await AccessControl.load(opts.kv));
  }

  private static async readVersion(kv: KeyValueStore): Promise<number> {
    return (await kv.get<VersionDoc>(ACCESS_COLLECTIONS.meta, VERSION_KEY))?.n ?? 0;
  }

  // The version is read first: a change that lands during the load bumps it past what is recorded, so the next refresh reloads.
  private static async load(kv: KeyValueStore, version?: number): Promise<State> {
    const v = version ?? (await AccessControl.readVersion(kv));
    const [allowed, banned, bannedEvents] = await Promise.all([
      readCollection(kv, ACCESS_COLLECTIONS.allowed),
      readCollection(kv, ACCESS_COLLECTIONS.banned),
      readCollection(kv, ACCESS_COLLECTIONS.bannedEvents),
    ]);
    return { allowed, banned, bannedEvents, version: v };
  }

  /** True when the pubkey may use the relay: on the file, allowed by an admin, or an admin; and not banned. */
  isAllowed(pubkey: string): boolean {
    if (this.state.banned.has(pubkey)) return false;
    return this.fileAllowed.has(pubkey) || this.fileAdmins.has(pubkey) || this.state.allowed.has(pubkey);
  }

  /** True for a config admin that is not banned (a banned admin key is treated as compromised). */
  isAdmin(pubkey: string): boolean {
    return this.fileAdmins.has(pubkey) && !this.state.banned.has(pubkey);
  }

  isBanned(pubkey: string): boolean {
    return this.state.banned.has(pubkey);
  }

  isEventBanned(id: string): boolean {
    return this.state.bannedEvents.has(id);
  }

  /** Registers a listener called once per pubkey that stops being allowed or gets banned. Returns an unsubscribe. */
  onRevoked(listener: RevokeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Allows a pubkey (persisted). Does not lift a ban. */
  async allow(pubkey: string, reason?: string): Promise<void> {
    const entry = this.entry(reason);
    await this.opts.kv.put(ACCESS_COLLECTIONS.allowed, pubkey, entry);
    await this.bumpVersion();
    this.apply(() => this.state.allowed.set(pubkey, entry));
    this.opts.logger.info({ pubkey: shortKey(pubkey) }, 'pubkey allowed');
  }

  /** Removes an API allow (persisted). A pubkey on the config file or an admin stays allowed. */
  async unallow(pubkey: string): Promise<void> {
    await this.opts.kv.delete(ACCESS_COLLECTIONS.allowed, pubkey);
    await this.bumpVersion();
    this.apply(() => this.state.allowed.delete(pubkey));
    this.opts.logger.info({ pubkey: shortKey(pubkey), stillAllowed: this.isAllowed(pubkey) }, 'pubkey unallowed');
  }

  /** Bans a pubkey (persisted): it is refused whatever the file says, and its live access is revoked. */
  async ban(pubkey: string, reason?: string): Promise<void> {
    const entry = this.entry(reason);
    await this.opts.kv.put(ACCESS_COLLECTIONS.banned, pubkey, entry);
    await this.bumpVersion();
    const fresh = !this.state.banned.has(pubkey);
    this.apply(() => this.state.banned.set(pubkey, entry));
    if (fresh) this.opts.metrics?.bans.inc();
    this.opts.logger.warn({ pubkey: shortKey(pubkey) }, 'pubkey banned');
  }

  /** Lifts a ban (persisted). The pubkey is allowed again only if the file or an admin allows it. */
  async unban(pubkey: string): Promise<void> {
    await this.opts.kv.delete(ACCESS_COLLECTIONS.banned, pubkey);
    await this.bumpVersion();
    this.apply(() => this.state.banned.delete(pubkey));
    this.opts.logger.info({ pubkey: shortKey(pubkey) }, 'pubkey unbanned');
  }

  /** Bans an event id (persisted): it is refused if published again. Removing stored copies is the caller's job. */
  async banEvent(id: string, reason?: string): Promise<void> {
    const entry = this.entry(reason);
    await this.opts.kv.put(ACCESS_COLLECTIONS.bannedEvents, id, entry);
    await this.bumpVersion();
    const fresh = !this.state.bannedEvents.has(id);
    this.apply(() => this.state.bannedEvents.set(id, entry));
    if (fresh) this.opts.metrics?.bans.inc();
    this.opts.logger.warn({ eventId: id }, 'event banned');
  }

  /** Lifts an event ban (NIP-86 allowevent). */
  async unbanEvent(id: string): Promise<void> {
    await this.opts.kv.delete(ACCESS_COLLECTIONS.bannedEvents, id);
    await this.bumpVersion();
    this.apply(() => this.state.bannedEvents.delete(id));
  }

  /** Every allowed pubkey: file, admins and API allows, minus bans. Sorted by pubkey. */
  listAllowed(): ListedPubkey[] {
    const out = new Map<string, ListedPubkey>();
    for (const pk of this.fileAllowed) out.set(pk, { pubkey: pk, reason: 'config file' });
    for (const pk of this.fileAdmins) out.set(pk, { pubkey: pk, reason: 'admin' });
    for (const [pk, e] of this.state.allowed) if (!out.has(pk)) out.set(pk, { pubkey: pk, ...reasonOf(e) });
    return [...out.values()].filter((p) => !this.state.banned.has(p.pubkey)).sort(byKey('pubkey'));
  }

  /**
   * Every allowed pubkey (minus bans) with each source of its access: `file` (auth.allowlist),
   * `admin` (auth.admin_pubkeys) and `api` (NIP-86 or the admin console, with its reason and time).
   * Sorted by pubkey.
   */
  listAllowedSources(): AllowedSources[] {
    const out = new Map<string, AllowedSources>();
    const at = (pk: string) => out.get(pk) ?? out.set(pk, { pubkey: pk, sources: [] }).get(pk)!;
    for (const pk of this.fileAllowed) at(pk).sources.push('file');
    for (const pk of this.fileAdmins) at(pk).sources.push('admin');
    for (const [pk, e] of this.state.allowed) Object.assign(at(pk), { ...reasonOf(e), at: e.at }).sources.push('api');
    return [...out.values()].filter((p) => !this.state.banned.has(p.pubkey)).sort(byKey('pubkey'));
  }

  /** Banned pubkeys with the reason and time of the ban. Sorted by pubkey. */
  listBannedEntries(): Array<ListedPubkey & { at: number }> {
    return [...this.state.banned].map(([pubkey, e]) => ({ pubkey, ...reasonOf(e), at: e.at })).sort(byKey('pubkey'));
  }

  listBanned(): ListedPubkey[] {
    return [...this.state.banned].map(([pubkey, e]) => ({ pubkey, ...reasonOf(e) })).sort(byKey('pubkey'));
  }

  listBannedEvents(): ListedEvent[] {
    return [...this.state.bannedEvents].map(([id, e]) => ({ id, ...reasonOf(e) })).sort(byKey('id'));
  }

  /** Replaces the config file's lists (hot reload). Pubkeys that drop out are revoked. */
  setConfigLists(allowlist: readonly string[], admins: readonly string[]): void {
    this.apply(() => {
      this.fileAllowed = hexSet(allowlist);
      this.fileAdmins = hexSet(admins);
    });
  }

  /**
   * Re-reads the persisted decisions (another instance may have changed them) and fires
   * onRevoked for what changed. Reads only the `access_meta/version` document unless it moved, so
   * a change written to the collections by hand is seen after the next API change or a restart.
   * A refresh overlapping a local write is discarded: the next one sees that write.
   */
  async refresh(): Promise<void> {
    const generation = this.generation;
    const version = await AccessControl.readVersion(this.opts.kv);
    // One document read when nothing changed (Firestore bills reads per document).
    if (version === this.state.version) return;
    const next = await AccessControl.load(this.opts.kv, version);
    if (generation !== this.generation) return;
    this.apply(() => {
      this.state = next;
    });
  }

  /** Runs refresh every `intervalMs` (default 2 s) until close(); errors are logged, the old state kept. */
  startRefresh(intervalMs = 2000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'access refresh failed'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the refresh timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async bumpVersion(): Promise<void> {
    await this.opts.kv.update<VersionDoc>(ACCESS_COLLECTIONS.meta, VERSION_KEY, (cur) => ({ n: (cur?.n ?? 0) + 1 }));
  }

  private entry(reason?: string): AccessEntry {
    return reason ? { reason, at: Math.floor(Date.now() / 1000) } : { at: Math.floor(Date.now() / 1000) };
  }

  /** Applies a change to memory and notifies listeners of every pubkey it revoked. */
  private apply(change: () => void): void {
    this.generation++;
    const wasAllowed = this.allowedSet();
    const wasBanned = new Set(this.state.banned.keys());
    change();
    const revoked = new Set<string>();
    for (const pk of wasAllowed) if (!this.isAllowed(pk)) revoked.add(pk);
    for (const pk of this.state.banned.keys()) if (!wasBanned.has(pk)) revoked.add(pk);
    for (const pk of revoked) this.notify(pk);
  }

  private allowedSet(): Set<string> {
    const out = new Set<string>();
    for (const set of [this.fileAllowed, this.fileAdmins, this.state.allowed.keys()]) {
      for (const pk of set) if (!this.state.banned.has(pk)) out.add(pk);
    }
    return out;
  }

  private notify(pubkey: string): void {
    this.opts.logger.info({ pubkey: shortKey(pubkey) }, 'access revoked');
    for (const listener of [...this.listeners]) {
      try {
        listener(pubkey);
      } catch (err) {
        this.opts.logger.error({ pubkey: shortKey(pubkey), err: (err as Error).message }, 'onRevoked listener failed');
      }
    }
  }
}

function reasonOf(e: AccessEntry): { reason?: string } {
  return e.reason ? { reason: e.reason } : {};
}

function byKey<K extends string>(key: K) {
  return (a: Record<K, string>, b: Record<K, string>) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);
}
