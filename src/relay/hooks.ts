import type { NostrEvent, VerifiedEvent } from '../nostr/event.js';
import type { Filter } from '../nostr/filter.js';
import { reject, type Decision, type Reason } from '../nostr/reasons.js';

/**
 * What a policy knows about the connection that sent something. Never the socket itself.
 * `authed` is live: it grows on AUTH and shrinks when an admin bans a pubkey.
 * `refused` holds the pubkeys whose AUTH the relay refused (not allowed, banned) or later revoked:
 * the connection has performed AUTH, so NIP-42 answers it `restricted:`, never `auth-required:`.
 * Absent means none.
 */
export type SessionContext = {
  readonly connId: string;
  readonly ip: string;
  readonly authed: ReadonlySet<string>;
  readonly refused?: ReadonlySet<string>;
};

/** A context for reads and writes that do not come from a socket (REST with NIP-98, CLI). */
export function requestContext(ip: string, pubkey?: string): SessionContext {
  return { connId: `http-${ip}`, ip, authed: new Set(pubkey ? [pubkey] : []) };
}

/**
 * The one rule choosing between NIP-42's two prefixes when who the connection is does not suffice:
 * `auth-required:` while it has not performed AUTH ("not authenticated yet"), `restricted:` once it
 * has, whether the relay accepted that AUTH (the key is not enough here) or refused it (the key is
 * not allowed). Every policy that refuses for identity reasons uses it, so a client refused at AUTH
 * is not told to authenticate again, and waits for nothing.
 */
export function authPrefix(ctx: SessionContext): 'auth-required' | 'restricted' {
  return ctx.authed.size === 0 && (ctx.refused?.size ?? 0) === 0 ? 'auth-required' : 'restricted';
}

/** Rejects with the prefix `authPrefix` chooses. */
export function rejectIdentity(ctx: SessionContext, message: string): Decision {
  return reject(authPrefix(ctx), message);
}

/**
 * Decides whether an event may be stored. Pure: it reads state (and may memoize what it parsed) but
 * changes nothing another decision could observe — budgets are charged in `chargeEvent`. First
 * rejection wins.
 */
export type RejectEvent = (ctx: SessionContext, ev: VerifiedEvent) => Decision | Promise<Decision>;
/**
 * Spends a budget (rate limits) for an event every rejectEvent accepted; refuses when the budget is
 * spent. Runs after all rejections, in registration order, synchronously, so an event refused for
 * any other reason costs nothing. A charge that refuses must not have spent anything itself (charges
 * registered before it have: the core's per-pubkey budget before an extension's per-kind one).
 */
export type ChargeEvent = (ctx: SessionContext, ev: VerifiedEvent) => Decision;
/** The same for a REQ or COUNT every rejectFilter accepted (requests per minute). */
export type ChargeRequest = (ctx: SessionContext, verb: 'REQ' | 'COUNT') => Decision;
/**
 * May a new connection from `ip` open (connections per IP)? A refusal text closes it at once.
 * Runs before the session exists; `open` is the number of connections this process holds for that IP.
 */
export type RejectConnection = (ip: string, open: number) => string | undefined;
/**
 * What a reservation decided: refused with a reason, or held — `release` undoes it when the event
 * is then not stored (a later reservation refused, the store found a duplicate or failed).
 */
export type Reservation = { ok: true; release?: () => Promise<void> } | { ok: false; reason: Reason };
/**
 * Claims, atomically across instances, shared state an event changes before it is stored, so two
 * racing events cannot both win (a roster's next `seq`): the loser is refused before any OK or
 * broadcast. Runs after every rejectEvent, in registration order, one event at a time per
 * connection; a held reservation is released when the event is not stored. The connection's next
 * event waits until this one is committed (or released), so it can build on what was reserved.
 */
export type ReserveEvent = (ctx: SessionContext, ev: VerifiedEvent) => Promise<Reservation>;
/** Decides whether a REQ or COUNT may run with these filters (before any read). Pure, as RejectEvent. */
export type RejectFilter = (ctx: SessionContext, filters: Filter[], verb: 'REQ' | 'COUNT') => Decision | Promise<Decision>;
/**
 * May narrow the filters of an accepted REQ or COUNT before any read (e.g. an outsider's to the
 * public kinds). Returns filters that match a subset of what `filters` match, never more; an empty
 * array means nothing is read. Runs in registration order after every rejectFilter; the narrowed
 * filters are what the store is queried with and what a live subscription keeps.
 */
export type OverwriteFilters = (ctx: SessionContext, filters: Filter[], verb: 'REQ' | 'COUNT') => Filter[];
/**
 * The read gate: may this connection see this stored or live event? Applied on every read
 * path (REQ results, live fanout, COUNT, REST). `kinds` narrows which events the gate
 * concerns, so COUNT of other kinds can be answered by the store alone.
 */
export type ReadGate = { kinds?: readonly number[]; canRead: (ctx: SessionContext, ev: NostrEvent) => boolean };
/**
 * Observes an event after its commit (registry, metrics), before live subscribers see it. Cannot
 * veto: what must be atomic with the save is a reservation (ReserveEvent). Errors are logged, never
 * sent to the client. The same connection's next events may already be through their policies
 * (they share the commit), so no RejectEvent, ChargeEvent or ReserveEvent may depend on what an
 * observer writes; a connection's REQ, COUNT and AUTH wait until its earlier events are observed.
 */
export type OnEventSaved = (ctx: SessionContext, ev: VerifiedEvent) => void | Promise<void>;
/** Observes events removed (a NIP-09 request after its commit, or a removal through the writer). */
export type OnEventsDeleted = (ids: string[]) => void | Promise<void>;
/**
 * Who besides the author may delete with NIP-09, declared as data so that the store can apply it
 * inside the deleting transaction, on its writer thread too: the `p` recipients of `recipientKinds`
 * (a gift wrap's recipient holds the only copy it can read). The hooks' union is the relay's rule
 * (core/deletion-rule.ts): it plans a deletion, and the store applies it to stored targets and tombstones.
 */
export type MayDelete = { readonly recipientKinds: readonly number[] };
/**
 * May narrow the events about to be sent to a connection, after the read gate, and record
 * side effects of handing them out (the MLS gateway's one-time KeyPackage claims). Runs on
 * every path that sends events: stored REQ results (once per REQ, all filters' results
 * together, newest first) and live fanout (one event at a time, `filters` = the matching
 * subscription's, `path` = 'live'). Returns the events to send, a subset of `events` in the same
 * order; must never add events. Runs in registration order, each on the previous one's output.
 * COUNT does not run it (counting hands nothing out).
 */
export type OverwriteResults = (
  ctx: SessionContext,
  filters: Filter[],
  events: NostrEvent[],
  path?: ResultPath,
) => NostrEvent[] | Promise<NostrEvent[]>;
/** Which path sends the results: stored (REQ, REST; the default) or live fanout. */
export type ResultPath = 'stored' | 'live';

/** Runs the overwriteResults hooks in order, each on the previous one's output: the events to hand out. */
export async function narrowResults(
  hooks: readonly OverwriteResults[],
  ctx: SessionContext,
  filters: Filter[],
  events: NostrEvent[],
  path?: ResultPath,
): Promise<NostrEvent[]> {
  let out = events;
  for (const hook of hooks) out = await hook(ctx, filters, out, path);
  return out;
}

/** Ordered arrays, one per phase. The core runs them in registration order. */
export type RelayHooks = {
  rejectConnection: RejectConnection[];
  rejectEvent: RejectEvent[];
  chargeEvent: ChargeEvent[];
  reserveEvent: ReserveEvent[];
  rejectFilter: RejectFilter[];
  chargeRequest: ChargeRequest[];
  overwriteFilters: OverwriteFilters[];
  readGates: ReadGate[];
  onEventSaved: OnEventSaved[];
  onEventsDeleted: OnEventsDeleted[];
  mayDelete: MayDelete[];
  overwriteResults: OverwriteResults[];
};

/** Empty hook slots. */
export function createHooks(): RelayHooks {
  return {
    rejectConnection: [],
    rejectEvent: [],
    chargeEvent: [],
    reserveEvent: [],
    rejectFilter: [],
    chargeRequest: [],
    overwriteFilters: [],
    readGates: [],
    onEventSaved: [],
    onEventsDeleted: [],
    mayDelete: [],
    overwriteResults: [],
  };
}
