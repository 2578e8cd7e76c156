import { okFrame } from '../nostr/frames.js';
import type { RelayContext } from './context.js';
import type { EventCheck } from './core/core.js';
import type { Session } from './session.js';

function idOf(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length <= 64 ? id : '';
}

/** The EVENT verb: publishes through the core and answers with OK (after the commit). `checked` is the check started on arrival. */
export async function handleEvent(ctx: RelayContext, session: Session, raw: unknown, checked?: Promise<EventCheck>): Promise<void> {
  const started = performance.now();
  const outcome = await ctx.core.publish(session, raw, checked);
  const kind = typeof (raw as { kind?: unknown })?.kind === 'number' ? ctx.metrics.kindLabels.of((raw as { kind: number }).kind) : 'other';
  const label = outcome.accepted ? (outcome.why?.prefix ?? 'accepted') : (outcome.why?.prefix ?? 'rejected');
  ctx.metrics.eventsTotal.inc({ kind, outcome: label });
  session.send(okFrame(idOf(raw), outcome.accepted, outcome.why));
  ctx.metrics.okLatency.observe((performance.now() - started) / 1000);
}
