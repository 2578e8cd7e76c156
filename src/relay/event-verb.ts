import { okFrame } from '../nostr/frames.js';
import type { RelayContext } from './context.js';
import type { EventCheck } from './core/core.js';
import type { Session } from './session.js';

function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length <= 64 ? id : '';
}

/**
 * The EVENT verb: stages the event through the core (checks, policies, reservations, the writer's
 * queue) in the connection's order and answers OK after the commit, in the same order. The next
 * message is handled meanwhile, so a connection's events join one commit; `blocksNext` holds it.
 */
export async function handleEvent(ctx: RelayContext, session: Session, raw: unknown, checked?: Promise<EventCheck>): Promise<void> {
  const started = performance.now();
  const staged = await ctx.core.stage(session, raw, checked, session);
  const answered = session.settleInOrder(async () => {
    const outcome = await staged.settle();
    const kind = typeof (raw as { kind?: unknown })?.kind === 'number' ? ctx.metrics.kindLabels.of((raw as { kind: number }).kind) : 'other';
    const label = outcome.accepted ? (outcome.why?.prefix ?? 'accepted') : (outcome.why?.prefix ?? 'rejected');
    ctx.metrics.eventsTotal.inc({ kind, outcome: label });
    session.send(okFrame(idOf(raw), outcome.accepted, outcome.why));
    ctx.metrics.okLatency.observe((performance.now() - started) / 1000);
  });
  if (staged.blocksNext) await answered;
}
