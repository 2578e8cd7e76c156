/**
 * What people outside the allowlist may do, when the operator opens it (both off by default, so
 * a private relay stays private):
 * - `auth.public_read_kinds`: read those kinds (a member's KeyPackages, relay lists, profile) so an
 *   inviter on another relay can find them. An outsider's filters are narrowed to those kinds
 *   before any read, on REQ, COUNT and the live subscriptions they register alike: a filter naming
 *   other kinds, or none, only ever reaches the public ones (no leak through `ids` or `#p`).
 * - `auth.inbox_from_anyone`: deliver a gift wrap (1059) to an allowed member, as NIP-17 inbox
 *   relays take them, with its own per-IP rate and size cap. Nothing else is accepted from them.
 */
import type { Counter } from 'prom-client';
import type { AccessControl } from '../../auth/access-control.js';
import type { RelayConfig } from '../../config/types.js';
import type { NostrEvent } from '../../nostr/event.js';
import type { Filter } from '../../nostr/filter.js';
import { GIFT_WRAP_KIND } from '../../nostr/kinds.js';
import { ACCEPT, reject } from '../../nostr/reasons.js';
import type { ChargeEvent, OverwriteFilters, SessionContext } from '../hooks.js';
import { TokenBucket } from './rate-limits.js';

/** True when one of the connection's authenticated pubkeys is allowed (and not banned). */
export function hasAllowedIdentity(access: Pick<AccessControl, 'isAllowed'>, ctx: SessionContext): boolean {
  for (const pk of ctx.authed) if (access.isAllowed(pk)) return true;
  return false;
}

/** The filters an outsider may run: kinds narrowed to `publicKinds`; filters left with none are dropped. */
export function narrowToKinds(filters: Filter[], publicKinds: readonly number[]): Filter[] {
  const out: Filter[] = [];
  for (const f of filters) {
    const kinds = f.kinds ? f.kinds.filter((k) => publicKinds.includes(k)) : [...publicKinds];
    if (kinds.length > 0) out.push({ ...f, kinds });
  }
  return out;
}

/**
 * overwriteFilters: with auth required and public kinds configured, a connection without an
 * allowed identity gets its filters narrowed to the public kinds (see narrowToKinds).
 */
export function narrowOutsiderFilters(
  access: Pick<AccessControl, 'isAllowed'>,
  opts: { required: boolean; publicKinds: readonly number[] },
): OverwriteFilters {
  return (ctx, filters) => {
    if (!opts.required || opts.publicKinds.length === 0 || hasAllowedIdentity(access, ctx)) return filters;
    return narrowToKinds(filters, opts.publicKinds);
  };
}

/**
 * True when `ev` is a gift wrap a stranger may deliver: inbox_from_anyone is on, it is a 1059, and
 * its one recipient is an allowed member.
 */
export function isInboxDelivery(access: Pick<AccessControl, 'isAllowed'>, inboxFromAnyone: boolean, ev: NostrEvent): boolean {
  if (!inboxFromAnyone || ev.kind !== GIFT_WRAP_KIND) return false;
  const recipients = ev.tags.filter((t) => t[0] === 'p');
  return recipients.length === 1 && typeof recipients[0]?.[1] === 'string' && access.isAllowed(recipients[0][1]);
}

/**
 * chargeEvent: a gift wrap delivered by a connection without an allowed identity (see
 * isInboxDelivery) must fit `auth.inbox_max_bytes` and the per-IP
 * `rate_limits.inbox_deliveries_per_minute_per_ip`; members' deliveries are not concerned.
 */
export function limitStrangerDeliveries(
  access: Pick<AccessControl, 'isAllowed'>,
  /** The live config (read on every check). */
  config: () => Pick<RelayConfig, 'auth' | 'rate_limits'>,
  opts: { counter?: Counter<'scope'>; clock?: () => number } = {},
): ChargeEvent {
  const clock = opts.clock ?? Date.now;
  const perIp = new TokenBucket({ limit: () => config().rate_limits.inbox_deliveries_per_minute_per_ip, windowMs: 60_000 });
  return (ctx, ev) => {
    const { auth } = config();
    if (!isInboxDelivery(access, auth.inbox_from_anyone, ev) || hasAllowedIdentity(access, ctx)) return ACCEPT;
    if (Buffer.byteLength(JSON.stringify(ev)) > auth.inbox_max_bytes) {
      return reject('invalid', `a gift wrap from outside the relay may be at most ${auth.inbox_max_bytes} bytes`);
    }
    if (perIp.take(ctx.ip, clock())) return ACCEPT;
    opts.counter?.inc({ scope: 'inbox' });
    return reject('rate-limited', 'too many gift wraps from this address, slow down');
  };
}
