import { checkEventShape, computeEventId, markVerified, type NostrEvent, type VerifiedEvent } from '../nostr/event.js';
import { okFrame } from '../nostr/frames.js';
import { DELETION_KIND, kindClass } from '../nostr/kinds.js';
import { reason, RelayError, type Reason } from '../nostr/reasons.js';
import { kindLabel } from '../observability/metrics.js';
import type { SaveResult } from '../storage/types.js';
import type { RelayContext } from './context.js';
import { planDeletion } from './deletion.js';
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

function saveOutcome(result: SaveResult): IngestOutcome {
  switch (result.status) {
    case 'saved':
      return { accepted: true };
    case 'duplicate':
      return { accepted: true, why: reason('duplicate', 'already have this event') };
    case 'superseded':
      return { accepted: true, why: reason('duplicate', 'a newer version of this replaceable event is stored') };
    case 'deleted':
      return { accepted: false, why: reason('blocked', 'this event was deleted') };
    default:
      return { accepted: false, why: reason('error', 'could not store the event, try again') };
  }
}

/**
 * Takes one untrusted event from a connection through the pipeline: shape, cheap duplicate
 * check, id and signature, policies, then store (OK only after commit) and fanout.
 */
export async function ingestEvent(ctx: RelayContext, session: Session, raw: unknown): Promise<IngestOutcome> {
  const shapeProblem = checkEventShape(raw);
  if (shapeProblem) return { accepted: false, why: reason('invalid', shapeProblem) };
  const ev = raw as NostrEvent;
  const ephemeral = kindClass(ev.kind) === 'ephemeral';
  // Skip verifying what is already stored: the id commits to the content, the stored copy was verified.
  if (!ephemeral && (await ctx.store.has(ev.id))) {
    return { accepted: true, why: reason('duplicate', 'already have this event') };
  }
  // The verifier checks id and signature off the event loop; only a failure is looked at again here.
  if (!(await ctx.verify(ev))) {
    ctx.metrics.invalidSignatures.inc();
    const badId = computeEventId(ev) !== ev.id;
    return { accepted: false, why: reason('invalid', badId ? 'event id does not match its content' : 'bad signature') };
  }
  const verified = markVerified(ev);
  const rejection = await firstRejection(ctx, session, verified);
  if (rejection) return { accepted: false, why: rejection };
  if (ephemeral) {
    ctx.live.broadcast(verified);
    return { accepted: true, event: verified };
  }
  const deletion = verified.kind === DELETION_KIND ? await planDeletion(verified, ctx.store, ctx.hooks.mayDelete) : undefined;
  const result = await ctx.writer.save(verified, deletion);
  if (result.status === 'error') {
    ctx.logger.error({ connId: session.connId, eventId: ev.id, err: result.error.message }, 'store failed to save event');
  }
  const outcome = saveOutcome(result);
  if (result.status === 'saved') {
    // Observers first: a roster change or a KeyPackage entering the directory must be in effect
    // before live subscribers are matched against the read gate.
    await runAfterSave(ctx, session, verified, deletion?.ids);
    ctx.live.broadcast(verified);
  }
  return { ...outcome, event: verified };
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

/** The EVENT verb: ingests and answers with OK. */
export async function handleEvent(ctx: RelayContext, session: Session, raw: unknown): Promise<void> {
  const started = performance.now();
  let outcome: IngestOutcome;
  try {
    outcome = await ingestEvent(ctx, session, raw);
  } catch (err) {
    // A RelayError carries its own prefix (e.g. the verifier's queue is full: rate-limited).
    if (err instanceof RelayError) outcome = { accepted: false, why: err.reason };
    else {
      ctx.logger.error({ connId: session.connId, eventId: idOf(raw), err: (err as Error).message }, 'event handling failed');
      outcome = { accepted: false, why: reason('error', 'internal error') };
    }
  }
  const kind = typeof (raw as { kind?: unknown })?.kind === 'number' ? kindLabel((raw as { kind: number }).kind) : 'other';
  const label = outcome.accepted ? (outcome.why?.prefix ?? 'accepted') : (outcome.why?.prefix ?? 'rejected');
  ctx.metrics.eventsTotal.inc({ kind, outcome: label });
  session.send(okFrame(idOf(raw), outcome.accepted, outcome.why));
  ctx.metrics.okLatency.observe((performance.now() - started) / 1000);
}
