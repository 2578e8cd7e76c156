import type { Counter } from 'prom-client';
import type { AccessControl } from '../../auth/access-control.js';
import type { RelayConfig } from '../../config/types.js';
import type { NostrEvent } from '../../nostr/event.js';
import { ACCEPT, reject, type Decision } from '../../nostr/reasons.js';
import { GIFT_WRAP_KIND } from '../../nostr/kinds.js';
import { authPrefix, rejectIdentity, type MayDelete, type ReadGate, type RejectEvent, type RejectFilter, type RelayHooks, type SessionContext } from '../hooks.js';
import { hasAllowedIdentity, isInboxDelivery, limitStrangerDeliveries, narrowOutsiderFilters, narrowToKinds } from './outsiders.js';
import { limitConnections, limitEvents, limitFilters } from './rate-limits.js';

/** The core's kinds only their `p`-tagged recipients may read: gift wraps (NIP-59). Extensions add theirs (registerRecipientOnlyKinds). */
export const RECIPIENT_ONLY_KINDS: readonly number[] = Object.freeze([GIFT_WRAP_KIND]);

/** Options of the auth policies; read on every check, so getters follow a live config (registerAccessPolicies). */
export type AuthPolicyOptions = {
  /** auth.required: reads and writes need an authenticated, allowed pubkey. */
  required: boolean;
  /** auth.public_read_kinds: kinds outsiders may read (their filters are narrowed to them). */
  publicKinds?: readonly number[];
  /** auth.inbox_from_anyone: outsiders may deliver gift wraps to allowed members. */
  inboxFromAnyone?: boolean;
};

/** What a connection asks to do, as the allowlist gate's messages name it. */
export type GatedAction = 'publish' | 'read' | 'count';
const ACTION_NOUNS: Record<GatedAction, string> = { publish: 'Publishing', read: 'Reading', count: 'Counting' };

/**
 * The allowlist gate on a connection: accept when one of its authenticated pubkeys is allowed;
 * otherwise `auth-required:` before any AUTH, `restricted:` after one (accepted or refused: authPrefix).
 */
export function connectionAllowed(access: Pick<AccessControl, 'isAllowed'>, ctx: SessionContext, action: GatedAction): Decision {
  if (hasAllowedIdentity(access, ctx)) return ACCEPT;
  if (authPrefix(ctx) === 'auth-required') return reject('auth-required', `${ACTION_NOUNS[action]} requires authentication`);
  return reject('restricted', `this pubkey is not allowed to ${action} on this relay`);
}

/**
 * rejectEvent: banned event ids and banned authors are refused (`blocked:`) whatever connection
 * carries them; with `required`, the connection must also carry an allowed, unbanned pubkey.
 * The event's author need not be allowed: MLS signs group messages with throwaway keys and gift
 * wraps with random ones, so the allowlist gates the authenticated identity, not the signer.
 */
export function requireAuthForEvents(access: AccessControl, opts: AuthPolicyOptions): RejectEvent {
  return (ctx, ev) => {
    if (access.isEventBanned(ev.id)) return reject('blocked', 'this event is banned on this relay');
    if (access.isBanned(ev.pubkey)) return reject('blocked', 'the author of this event is banned on this relay');
    if (!opts.required || isInboxDelivery(access, opts.inboxFromAnyone ?? false, ev)) return ACCEPT;
    return connectionAllowed(access, ctx, 'publish');
  };
}

/** True when the event carries the NIP-70 `["-"]` tag. */
export function isProtected(ev: Pick<NostrEvent, 'tags'>): boolean {
  return ev.tags.some((t) => t[0] === '-');
}

/**
 * rejectEvent (NIP-70): an event with a `["-"]` tag is accepted only when its author is
 * authenticated on this connection; `auth-required:` before any AUTH, `restricted:` after one (authPrefix).
 */
export function nip70Protected(): RejectEvent {
  return (ctx, ev) => {
    if (!isProtected(ev) || ctx.authed.has(ev.pubkey)) return ACCEPT;
    return rejectIdentity(ctx, 'this event may only be published by its author');
  };
}

/**
 * rejectFilter: with `required`, REQ and COUNT need an authenticated, allowed, unbanned pubkey —
 * except that, with public kinds configured, an outsider's request that still asks for some public
 * kind is accepted (narrowOutsiderFilters then narrows it to those kinds).
 */
export function requireAuthForFilters(access: AccessControl, opts: AuthPolicyOptions): RejectFilter {
  return (ctx, filters, verb) => {
    if (!opts.required) return ACCEPT;
    const publicKinds = opts.publicKinds ?? [];
    const decision = connectionAllowed(access, ctx, verb === 'REQ' ? 'read' : 'count');
    if (decision.ok || publicKinds.length === 0) return decision;
    return narrowToKinds(filters, publicKinds).length > 0 ? ACCEPT : decision;
  };
}

/**
 * rejectFilter: a REQ or COUNT naming recipient-only kinds from a connection that authenticated
 * nobody gets `auth-required:` instead of a silent empty answer, so clients that AUTH only after
 * seeing that prefix work; `restricted:` when its AUTH was refused (authPrefix). (The read gate
 * still decides event by event.)
 */
export function requireAuthForRecipientKinds(kinds: readonly number[] = RECIPIENT_ONLY_KINDS): RejectFilter {
  return (ctx, filters) => {
    if (ctx.authed.size > 0) return ACCEPT;
    const asks = filters.some((f) => f.kinds?.some((k) => kinds.includes(k)));
    return asks ? rejectIdentity(ctx, 'these kinds are readable only by their recipients') : ACCEPT;
  };
}

/**
 * ReadGate for recipient-only kinds: only a connection authenticated as one of the event's
 * `p`-tagged pubkeys may read it — on stored REQ results, live fanout and COUNT alike. With
 * `access`, a banned recipient reads nothing even if its connection still (or again) carries it:
 * with auth.required off, a banned key could otherwise AUTH afresh and fetch its gift wraps.
 */
export function recipientOnlyReadGate(
  kinds: readonly number[] = RECIPIENT_ONLY_KINDS,
  access?: Pick<AccessControl, 'isBanned'>,
): ReadGate {
  return {
    kinds,
    canRead(ctx, ev) {
      if (ctx.authed.size === 0) return false;
      for (const tag of ev.tags) {
        const pk = tag[1];
        if (tag[0] === 'p' && pk !== undefined && ctx.authed.has(pk) && !access?.isBanned(pk)) return true;
      }
      return false;
    },
  };
}

/** MayDelete (NIP-09): a `p` recipient of an event of `kinds` may delete it (the author is a throwaway or the sender). */
export function recipientMayDelete(kinds: readonly number[] = RECIPIENT_ONLY_KINDS): MayDelete {
  return { recipientKinds: kinds };
}

/**
 * Makes `kinds` recipient-only: readable only by a connection authenticated as a `p` recipient
 * (read gate), anonymous readers asked to AUTH (rejectFilter), deletable by a recipient (mayDelete).
 * The core registers gift wraps; an extension registers its own addressed kinds through
 * ExtensionDeps.recipientOnly.
 */
export function registerRecipientOnlyKinds(hooks: RelayHooks, kinds: readonly number[], access: Pick<AccessControl, 'isBanned'>): void {
  hooks.rejectFilter.push(requireAuthForRecipientKinds(kinds));
  hooks.readGates.push(recipientOnlyReadGate(kinds, access));
  hooks.mayDelete.push(recipientMayDelete(kinds));
}

/** What registerAccessPolicies needs. */
export type AccessPolicyDeps = {
  access: AccessControl;
  /** The live config: `[auth]` and `[rate_limits]` are read on every check, so a reload applies at once. */
  config: () => Pick<RelayConfig, 'auth' | 'rate_limits'>;
  /** nostr_relay_rate_limited_total{scope}. */
  rateLimited?: Counter<'scope'>;
};

/**
 * Registers the core's access policies: connections per IP; on EVENT the allowlist gate (which lets
 * strangers' inbox deliveries through when configured) and NIP-70 as rejections, then the strangers'
 * inbox budget and rate limits as charges (after every rejection, so a refused event spends no
 * budget); on REQ/COUNT the allowlist gate, then the request rate as a charge; the outsiders'
 * narrowing to public kinds. (Gift wraps are made recipient-only by createRelayCore.)
 */
export function registerAccessPolicies(hooks: RelayHooks, deps: AccessPolicyDeps): void {
  const { config } = deps;
  // Getters, so each check reads the live [auth] section.
  const opts = {
    get required() {
      return config().auth.required;
    },
    get publicKinds() {
      return config().auth.public_read_kinds;
    },
    get inboxFromAnyone() {
      return config().auth.inbox_from_anyone;
    },
  };
  const limits = deps.rateLimited ? { counter: deps.rateLimited } : {};
  const rateLimits = () => config().rate_limits;
  hooks.rejectConnection.push(limitConnections(rateLimits, limits));
  hooks.rejectEvent.push(requireAuthForEvents(deps.access, opts), nip70Protected());
  hooks.chargeEvent.push(limitStrangerDeliveries(deps.access, config, limits), limitEvents(rateLimits, limits));
  hooks.rejectFilter.push(requireAuthForFilters(deps.access, opts));
  hooks.chargeRequest.push(limitFilters(rateLimits, limits));
  hooks.overwriteFilters.push(narrowOutsiderFilters(deps.access, opts));
}
