import { checkEventShape, computeEventId, markVerified, type NostrEvent, type VerifiedEvent } from '../../nostr/event.js';
import { DELETION_KIND, kindClass } from '../../nostr/kinds.js';
import { reason, RelayError, type Reason } from '../../nostr/reasons.js';
import type { DeletionRequest, SaveResult, SaveStatus } from '../../storage/types.js';
import type { SessionContext } from '../hooks.js';
import type { CoreParts } from './parts.js';
import { planDeletion } from './deletion-plan.js';

/**
 * What happened to one EVENT: accepted or not, and the reason sent with OK. `status` is what the
 * store did, for callers that may know it (the CLI import); a client is told only `why`.
 */
export type PublishOutcome = { accepted: boolean; why?: Reason; event?: VerifiedEvent; status?: SaveStatus | 'error' };

/**
 * What the checks that depend on the event alone decided: an answer already (malformed, stored,
 * forged, verifier overloaded), or the verified event to take through policies and the store.
 */
export type EventCheck = { done: PublishOutcome } | { event: VerifiedEvent };

/** The reason text of `OK false "invalid: ..."` for a replaceable or addressable event older than the stored one. */
const SUPERSEDED_MESSAGE = 'a newer version of this replaceable or addressable event is stored';

const DUPLICATE: PublishOutcome = { accepted: true, why: reason('duplicate', 'already have this event') };

/**
 * May this actor read `ev` (the same rules as a REQ for it: the allowlist gate with the public
 * kinds, then the read gate)? Only such an actor is told an event is stored (`duplicate:`); to
 * others a stored event looks like one they could not have known.
 */
export function mayRead(parts: CoreParts, actor: SessionContext, ev: NostrEvent): boolean {
  if (!parts.preauth.isTrusted(actor) && !parts.config.auth.public_read_kinds.includes(ev.kind)) return false;
  return parts.gate.canRead(actor, ev);
}

function saveOutcome(result: SaveResult, mayKnow: boolean): PublishOutcome {
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
 * Shape, id, cheap duplicate check and signature. These depend on nothing an actor's earlier
 * messages can change, so a transport may run them ahead (see `dispatch.ts`); never rejects.
 * `frame` is the `["EVENT", raw]` text `raw` was parsed from, when the caller has it.
 */
export async function checkEvent(parts: CoreParts, actor: SessionContext, raw: unknown, frame?: string): Promise<EventCheck> {
  const shapeProblem = checkEventShape(raw);
  if (shapeProblem) return { done: { accepted: false, why: reason('invalid', shapeProblem) } };
  const ev = raw as NostrEvent;
  const trusted = parts.preauth.isTrusted(actor);
  // Before AUTH the id is checked first, so a forged event gets the same answer whether or not its
  // id is stored; a trusted actor's ids are checked by the verifier, off the event loop, and
  // recomputed here only where the answer depends on them.
  if (!trusted && computeEventId(ev) !== ev.id) return forged(parts, 'event id does not match its content');
  // Refused for auth whatever its signature: no signature work for it.
  const unverified = parts.preauth.refuseUnverified(actor, ev);
  if (unverified) return { done: { accepted: false, why: unverified } };
  try {
    // Skip verifying what is already stored (the stored copy was verified) — only for an actor
    // that may read it, and only when the id really commits to this content: a forged event carrying
    // a stored id must not learn that the id is stored.
    if (kindClass(ev.kind) !== 'ephemeral' && mayRead(parts, actor, ev) && (await parts.store.has(ev.id))) {
      return computeEventId(ev) === ev.id ? { done: DUPLICATE } : forged(parts, 'event id does not match its content');
    }
    // The verifier checks id and signature off the event loop; strangers within their share of it.
    const verify = () => parts.verify(ev, frame);
    if (!(trusted ? await verify() : await parts.preauth.verifyAsStranger(verify))) {
      return forged(parts, computeEventId(ev) !== ev.id ? 'event id does not match its content' : 'bad signature');
    }
  } catch (err) {
    return { done: failureOutcome(parts, ev.id, err) };
  }
  return { event: markVerified(ev) };
}

/** A forged event (id or signature): counted, answered `invalid:`. */
function forged(parts: CoreParts, why: string): EventCheck {
  parts.metrics.invalidSignatures.inc();
  return { done: { accepted: false, why: reason('invalid', why) } };
}

/** A thrown RelayError carries its own prefix (e.g. the verifier's queue is full: rate-limited). */
function failureOutcome(parts: CoreParts, eventId: string, err: unknown, connId?: string): PublishOutcome {
  if (err instanceof RelayError) return { accepted: false, why: err.reason };
  parts.logger.error({ connId, eventId, err: (err as Error).message }, 'event handling failed');
  return { accepted: false, why: reason('error', 'internal error') };
}

/** The first refusal of the pure rejectEvent hooks, then of the chargeEvent hooks (which spend budgets only when they accept). */
async function firstRefusal(parts: CoreParts, actor: SessionContext, ev: VerifiedEvent): Promise<Reason | undefined> {
  for (const hook of parts.hooks.rejectEvent) {
    // Most policies answer at once: awaiting only a promise spares each event a dozen microtask turns.
    const answer = hook(actor, ev);
    const decision = answer instanceof Promise ? await answer : answer;
    if (!decision.ok) return decision.reason;
  }
  for (const charge of parts.hooks.chargeEvent) {
    const decision = charge(actor, ev);
    if (!decision.ok) return decision.reason;
  }
  return undefined;
}

type Release = () => Promise<void>;

/** Runs the reserveEvent hooks; on a refusal releases what earlier ones held. The held releases, or the refusal. */
async function reserve(parts: CoreParts, actor: SessionContext, ev: VerifiedEvent): Promise<Release[] | Reason> {
  const held: Release[] = [];
  for (const hook of parts.hooks.reserveEvent) {
    const r = await hook(actor, ev);
    if (!r.ok) {
      await release(parts, ev, held);
      return r.reason;
    }
    if (r.release) held.push(r.release);
  }
  return held;
}

/** Undoes reservations of an event that was not stored, newest first; a failing release is logged. */
async function release(parts: CoreParts, ev: VerifiedEvent, held: Release[]): Promise<void> {
  for (const undo of [...held].reverse()) {
    try {
      await undo();
    } catch (err) {
      parts.logger.error({ eventId: ev.id, err: (err as Error).message }, 'releasing a reservation failed');
    }
  }
}

/**
 * How the actor's earlier events are awaited. A transport that lets a connection's next event go
 * through its policies while the previous one waits for its commit (`stageEvent`) hands this in,
 * so that the core waits where a rule reads what those events change.
 */
export type EarlierEvents = { settled(): Promise<void> };

/**
 * One event past its policies and reservations and queued for the commit. `settle` waits for the
 * commit and finishes the event (releases, or observers then live delivery) with what OK must say;
 * the actor's staged events are settled in their order. While `blocksNext`, the actor's next
 * event must wait for `settle`: it holds a reservation the next one may build on, and a refused
 * save gives it back.
 */
export type StagedEvent = { settle: () => Promise<PublishOutcome>; blocksNext: boolean };

function answered(outcome: PublishOutcome): StagedEvent {
  return { settle: () => Promise.resolve(outcome), blocksNext: false };
}

/**
 * Takes one event that passed `checkEvent` through policies (pure rejections, then charges),
 * reservations (state claimed atomically before the save, released when it is not stored) and into
 * the writer's queue. Runs in the actor's order, so policies, charges and reservations follow the
 * order of arrival. Policies never read what observers write (hooks.ts), so the next event may be
 * staged before this one's commit and join the same transaction; a NIP-09 deletion first waits for
 * `earlier`, because it plans from what is stored.
 */
export async function stageEvent(parts: CoreParts, actor: SessionContext, verified: VerifiedEvent, earlier?: EarlierEvents): Promise<StagedEvent> {
  if (verified.kind === DELETION_KIND) await earlier?.settled();
  const refusal = await firstRefusal(parts, actor, verified);
  if (refusal) return answered({ accepted: false, why: refusal });
  if (kindClass(verified.kind) === 'ephemeral') {
    // Delivered when settled, so after the live delivery of the actor's earlier events.
    return {
      settle: async () => {
        parts.live.fanout(verified);
        return { accepted: true, event: verified };
      },
      blocksNext: false,
    };
  }
  const reserved = await reserve(parts, actor, verified);
  if (!Array.isArray(reserved)) return answered({ accepted: false, why: reserved });
  const deletion = verified.kind === DELETION_KIND ? await planDeletion(verified, parts.store, parts.writer.mayDelete) : undefined;
  const saving = parts.writer.save(verified, deletion);
  return { settle: () => settleSave(parts, actor, verified, saving, reserved, deletion), blocksNext: reserved.length > 0 };
}

/** After the commit: a refused or failed save gives its reservations back; a stored event is observed, then delivered live. */
async function settleSave(
  parts: CoreParts,
  actor: SessionContext,
  verified: VerifiedEvent,
  saving: Promise<SaveResult>,
  reserved: Release[],
  deletion: DeletionRequest | undefined,
): Promise<PublishOutcome> {
  const result = await saving;
  if (result.status === 'error') {
    parts.logger.error({ connId: actor.connId, eventId: verified.id, err: result.error.message }, 'store failed to save event');
  }
  if (result.status !== 'saved') await release(parts, verified, reserved);
  const outcome = saveOutcome(result, result.status === 'duplicate' && mayRead(parts, actor, verified));
  if (result.status === 'saved') {
    // Observers first: a roster change or a KeyPackage entering the directory must be in effect
    // before live subscribers are matched against the read gate.
    await runObservers(parts, actor, verified);
    if (deletion && deletion.ids.length > 0) await parts.writer.notifyDeleted(deletion.ids);
    parts.live.fanout(verified);
  }
  return { ...outcome, event: verified, status: result.status };
}

/** `stageEvent` and then its settling: the whole path of one verified event, resolved after the commit. */
export async function acceptEvent(parts: CoreParts, actor: SessionContext, verified: VerifiedEvent): Promise<PublishOutcome> {
  return (await stageEvent(parts, actor, verified)).settle();
}

/**
 * The pipeline for one event up to the writer's queue: `checkEvent` (or its result, started
 * earlier), then `stageEvent`. Never rejects: a failure is an outcome.
 */
export async function stagePublish(
  parts: CoreParts,
  actor: SessionContext,
  raw: unknown,
  checked?: Promise<EventCheck>,
  earlier?: EarlierEvents,
): Promise<StagedEvent> {
  const check = await (checked ?? checkEvent(parts, actor, raw));
  if ('done' in check) return answered(check.done);
  const failed = (err: unknown) => failureOutcome(parts, check.event.id, err, actor.connId);
  try {
    const staged = await stageEvent(parts, actor, check.event, earlier);
    return { ...staged, settle: () => staged.settle().catch(failed) };
  } catch (err) {
    return answered(failed(err));
  }
}

async function runObservers(parts: CoreParts, actor: SessionContext, ev: VerifiedEvent): Promise<void> {
  for (const hook of parts.hooks.onEventSaved) {
    try {
      const done = hook(actor, ev);
      if (done instanceof Promise) await done;
    } catch (err) {
      parts.logger.error({ connId: actor.connId, eventId: ev.id, err: (err as Error).message }, 'onEventSaved hook failed');
    }
  }
}
