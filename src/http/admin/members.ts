import { nip19 } from 'nostr-tools';
import type { AccessControl } from '../../auth/access-control.js';
import type { Session } from '../../relay/session.js';
import type { EventStore } from '../../storage/types.js';

/** Live sessions of each authenticated pubkey on this instance: connections and open subscriptions. */
export type LiveCount = { connections: number; subscriptions: number };

/** Counts, per authenticated pubkey, the open connections and their subscriptions (this instance only). */
export function liveByPubkey(sessions: Iterable<Session>): Map<string, LiveCount> {
  const out = new Map<string, LiveCount>();
  for (const s of sessions) {
    if (s.closed) continue;
    for (const pk of s.authed) {
      const c = out.get(pk) ?? { connections: 0, subscriptions: 0 };
      c.connections += 1;
      c.subscriptions += s.subs.size;
      out.set(pk, c);
    }
  }
  return out;
}

/** The most names looked up in kind 0 per page (one store query). */
const MAX_NAMES = 500;

/** Display names from stored kind 0 profiles (`display_name`, else `name`), when the store has them. */
export async function profileNames(store: EventStore, pubkeys: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const authors = pubkeys.slice(0, MAX_NAMES);
  if (authors.length === 0) return names;
  const events = await store.query([{ kinds: [0], authors, limit: authors.length }]);
  for (const ev of events) {
    if (names.has(ev.pubkey)) continue; // newest first
    try {
      const profile = JSON.parse(ev.content) as Record<string, unknown>;
      const name = [profile.display_name, profile.name].find((v): v is string => typeof v === 'string' && v.trim() !== '');
      if (name) names.set(ev.pubkey, name.slice(0, 80));
    } catch {
      // not JSON: no name
    }
  }
  return names;
}

/** The Members page: the effective allowlist with sources, bans, live sessions, names. */
export async function membersView(access: AccessControl, sessions: Iterable<Session>, store: EventStore) {
  const allowed = access.listAllowedSources();
  const banned = access.listBannedEntries();
  const live = liveByPubkey(sessions);
  const everyone = [...new Set([...allowed.map((a) => a.pubkey), ...banned.map((b) => b.pubkey), ...live.keys()])];
  const names = await profileNames(store, everyone);
  const person = (pubkey: string) => ({
    pubkey,
    npub: nip19.npubEncode(pubkey),
    name: names.get(pubkey) ?? null,
    live: live.get(pubkey) ?? { connections: 0, subscriptions: 0 },
  });
  return {
    allowed: allowed.map((a) => ({ ...person(a.pubkey), sources: a.sources, reason: a.reason ?? null, admin: access.isAdmin(a.pubkey) })),
    banned: banned.map((b) => ({ ...person(b.pubkey), reason: b.reason ?? null, at: b.at })),
    /** Authenticated on a live connection but not (or no longer) allowed: open mode, or a file edit not yet applied. */
    others: [...live.keys()].filter((pk) => !access.isAllowed(pk) && !access.isBanned(pk)).map(person),
  };
}
