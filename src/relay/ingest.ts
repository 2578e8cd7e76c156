import { checkEventShape, computeEventId, markVerified, type NostrEvent, type VerifiedEvent } from '../nostr/event.js';
import { okFrame } from '../nostr/frames.js';
import { DELETION_KIND, kindClass } from '../nostr/kinds.js';
import { reason, RelayError, type Reason } from '../nostr/reasons.js';
import { kindLabel } from '../observability/metrics.js';
import type { SaveResult } from '../storage/types.js';
import type { RelayContext } from './context.js';
import { planDeletion } from './deletion.js';
import type { SessionContext } from './hooks.js';
import type { Session } from './session.js';

/** What happened to one EVENT: accepted or not, and the reason sent with OK. */
export type IngestOutcome = { accepted: boolean; why?: Reason; event?: VerifiedEvent };

function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length <= 64 ? id : '';
}

/** Runs every rejectEvent hook in order; the first rejection wins. */
async function firstRejection(ctx: RelayContext, session: Session, ev: VerifiedEvent): Promise<Reason | undefined> {
  for (const hook of ctx.hooks.rejectEvent) {
    const decision = await hook(session, ev);
    if (!decision.ok) return decision.reason;
  }
  return undefined;
}

/** The reason text of `OK false "invalid: ..."` for a replaceable or addressable event older than the stored one. */
const SUPERSEDED_MESSAGE = 'a newer version of this replaceable or addressable event is stored';

/**
 * May this connection read `ev` (the same rules as a REQ for it: the allowlist gate with the public
 * kinds, then the read gate)? Only such a connection is told an event is stored (`duplicate:`);
 * to others a stored event looks like one they could not have known (issue 14, item 3).
 */
function mayRead(ctx: RelayContext, session: SessionContext, ev: NostrEvent): boolean {
  if (!ctx.preauth.isTrusted(session) && !ctx.config.auth.public_read_kinds.includes(ev.kind)) return false;
  return ctx.gate.canRead(session, ev);
}

const DUPLICATE: IngestOutcome = { accepted: true, why: reason('duplicate', 'already have this event') };

function saveOutcome(result: SaveResult, mayKnow: boolean): IngestOutcome {
  switch (result.status) {
    case 'saved':
      return { accepted: true };
    case 'duplicate':
      // Accepted either way (the event is stored); only a reader learns it was there before.
      return mayKnow ? DUPLICATE : { accepted: true };
    case 'superseded':
      // Not stored, so not accepted (NIP-01 OK false): a client must not believe this version is live.
      return { accepted: false, why: reason('invalid', SUPERSEDED_MESSAGE) };
    case 'deleted':
      return { accepted: false, why: reason('blocked', 'this event was deleted') };
    default:
      return { accepted: false, why: reason('error', 'could not store the event, try again') };
  }
}

/**
 * What the checks that depend on the event alone decided: an answer already (malformed, stored,
 * forged, verifier overloaded), or the verified event to take through policies and the store.
 */
export type EventCheck = { done: IngestOutcome } | { event: VerifiedEvent };

/**
 * Shape, id, cheap duplicate check and signature. These depend on nothing a connection's earlier
 * messages can change, so they may run ahead of them (see `dispatch.ts`); never rejects. `frame`
 * is the `["EVENT", raw]` text `raw` was parsed from, when the caller has it.
 */
export async function checkEvent(ctx: RelayContext, session: SessionContext, raw: unknown, frame?: string): Promise<EventCheck> {
  const shapeProblem = checkEventShape(raw);
  if (shapeProblem) return { done: { accepted: false, why: reason('invalid', shapeProblem) } };
  const ev = raw as NostrEvent;
  const trusted = ctx.preauth.isTrusted(session);
  // Before AUTH the id is checked first, so a forged event gets the same answer whether or not its
  // id is stored (issue 14, item 3); a trusted connection's ids are checked by the verifier, off the
  // event loop, and recomputed here only where the answer depends on them.
  if (!trusted && computeEventId(ev) !== ev.id) return forged(ctx, 'event id does not match its content');
  // Refused for auth whatever its signature: no signature work for it (issue 14, item 8).
  const unverified = ctx.preauth.refuseUnverified(session, ev);
  if (unverified) return { done: { accepted: false, why: unverified } };
  try {
    // Skip verifying what is already stored (the stored copy was verified) — only for a connection
    // that may read it, and only when the id really commits to this content: a forged event carrying
    // a stored id must not learn that the id is stored.
    if (kindClass(ev.kind) !== 'ephemeral' && mayRead(ctx, session, ev) && (await ctx.store.has(ev.id))) {
      return computeEventId(ev) === ev.id ? { done: DUPLICATE } : forged(ctx, 'event id does not match its content');
    }
    // The verifier checks id and signature off the event loop; strangers within their share of it.
    const verify = () => ctx.verify(ev, frame);
    if (!(trusted ? await verify() : await ctx.preauth.verifyAsStranger(verify))) {
      return forged(ctx, computeEventId(ev) !== ev.id ? 'event id does not match its content' : 'bad signature');
    }
  } catch (err) {
    return { done: failureOutcome(ctx, ev.id, err) };
  }
  return { event: markVerified(ev) };
}

/** A forged event (id or signature): counted, answered `invalid:`. */
function forged(ctx: RelayContext, why: string): EventCheck {
  ctx.metrics.invalidSignatures.inc();
  return { done: { accepted: false, why: reason('invalid', why) } };
}

/** A thrown RelayError carries its own prefix (e.g. the verifier's queue is full: rate-limited). */
function failureOutcome(ctx: RelayContext, eventId: string, err: unknown, connId?: string): IngestOutcome {
  if (err instanceof RelayError) return { accepted: false, why: err.reason };
  ctx.logger.error({ connId, eventId, err: (err as Error).message }, 'event handling failed');
  return { accepted: false, why: reason('error', 'internal error') };
}

type Release = () => Promise<void>;

/** Runs the reserveEvent hooks; on a refusal releases what earlier ones held. The held releases, or the refusal. */
async function reserve(ctx: RelayContext, session: Session, ev: VerifiedEvent): Promise<Release[] | Reason> {
  const held: Release[] = [];
  for (const hook of ctx.hooks.reserveEvent) {
    const r = await hook(session, ev);
    if (!r.ok) {
      await release(ctx, ev, held);
      return r.reason;
    }
    if (r.release) held.push(r.release);
  }
  return held;
}

/** Undoes reservations of an event that was not stored, newest first; a failing release is logged. */
async function release(ctx: RelayContext, ev: VerifiedEvent, held: Release[]): Promise<void> {
  for (const undo of [...held].reverse()) {
    try {
      await undo();
    } catch (err) {
      ctx.logger.error({ eventId: ev.id, err: (err as Error).message }, 'releasing a reservation failed');
    }
  }
}

/**
 * Takes one event that passed `checkEvent` through policies, reservations (state claimed
 * atomically before the save, released when it is not stored), the store (OK only after commit)
 * and fanout. Runs in the connection's order, so its effects follow the order of arrival.
 */
async function acceptEvent(ctx: RelayContext, session: Session, verified: VerifiedEvent): Promise<IngestOutcome> {
  const rejection = await firstRejection(ctx, session, verified);
  if (rejection) return { accepted: false, why: rejection };
  if (kindClass(verified.kind) === 'ephemeral') {
    ctx.live.broadcast(verified);
    return { accepted: true, event: verified };
  }
  const reserved = await reserve(ctx, session, verified);
  if (!Array.isArray(reserved)) return { accepted: false, why: reserved };
  const deletion = verified.kind === DELETION_KIND ? await planDeletion(verified, ctx.store, ctx.hooks.mayDelete) : undefined;
  const result = await ctx.writer.save(verified, deletion);
  if (result.status === 'error') {
    ctx.logger.error({ connId: session.connId, eventId: verified.id, err: result.error.message }, 'store failed to save event');
  }
  if (result.status !== 'saved') await release(ctx, verified, reserved);
  const outcome = saveOutcome(result, result.status === 'duplicate' && mayRead(ctx, session, verified));
  if (result.status === 'saved') {
    // Observers first: a roster change or a KeyPackage entering the directory must be in effect
    // before live subscribers are matched against the read gate.
    await runAfterSave(ctx, session, verified, deletion?.ids);
    ctx.live.broadcast(verified);
  }
  return { ...outcome, event: verified };
}

/** The whole pipeline for one untrusted event: `checkEvent` (or its result, started earlier), then `acceptEvent`. */
export async function ingestEvent(ctx: RelayContext, session: Session, raw: unknown, checked?: Promise<EventCheck>): Promise<IngestOutcome> {
  const check = await (checked ?? checkEvent(ctx, session, raw));
  if ('done' in check) return check.done;
  try {
    return await acceptEvent(ctx, session, check.event);
  } catch (err) {
    return failureOutcome(ctx, check.event.id, err, session.connId);
  }
}

async function runAfterSave(ctx: RelayContext, session: Session, ev: VerifiedEvent, deletedIds?: string[]): Promise<void> {
  for (const hook of ctx.hooks.onEventSaved) {
    try {
      await hook(session, ev);
    } catch (err) {
      ctx.logger.error({ connId: session.connId, eventId: ev.id, err: (err as Error).message }, 'onEventSaved hook failed');
    }
  }
  if (!deletedIds || deletedIds.length === 0) return;
  for (const hook of ctx.hooks.onEventsDeleted) {
    try {
      await hook(deletedIds);
    } catch (err) {
      ctx.logger.error({ eventId: ev.id, err: (err as Error).message }, 'onEventsDeleted hook failed');
    }
  }
}

/** The EVENT verb: ingests and answers with OK. `checked` is `checkEvent`'s result when it was started on arrival. */
export async function handleEvent(ctx: RelayContext, session: Session, raw: unknown, checked?: Promise<EventCheck>): Promise<void> {
  const started = performance.now();
  const outcome = await ingestEvent(ctx, session, raw, checked);
  const kind = typeof (raw as { kind?: unknown })?.kind === 'number' ? kindLabel((raw as { kind: number }).kind) : 'other';
  const label = outcome.accepted ? (outcome.why?.prefix ?? 'accepted') : (outcome.why?.prefix ?? 'rejected');
  ctx.metrics.eventsTotal.inc({ kind, outcome: label });
  session.send(okFrame(idOf(raw), outcome.accepted, outcome.why));
  ctx.metrics.okLatency.observe((performance.now() - started) / 1000);
}
