import { ACCEPT, reason } from '../../../src/nostr/reasons.js';
import type { RejectEvent } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { GROUP_MESSAGE_KIND } from '../kinds.js';
import { PREDECESSOR_KINDS, strictRefusal } from '../profile.js';
import { decide } from './counted.js';

/**
 * Strict profile: refuses the predecessor's top-level kinds (443, 446, 447, 450) unless
 * `predecessor_kinds = true`. In the adopted Marmot registry 446 is a push-notification rumor,
 * 447 a push-token request and 450 a local signing template that MUST NOT be published, so a
 * strict relay does not take them from the predecessor's clients by default. Pure.
 */
export function rejectPredecessorKinds(ctx: Pick<GatewayContext, 'cfg' | 'metrics'>): RejectEvent {
  return (_session, ev) => {
    if (!PREDECESSOR_KINDS.includes(ev.kind)) return ACCEPT;
    const text = `kind ${ev.kind} is a predecessor kind the adopted Marmot spec does not publish at top level`;
    return decide(ctx.metrics, 'predecessor_kinds', reason('invalid', strictRefusal('predecessor_kinds', text)));
  };
}

/**
 * Strict profile: a 445 must be signed by a fresh ephemeral key. One signed by a pubkey the
 * connection authenticated, or by any allowlisted account, is a client bug that ties the sender's
 * identity to the group's traffic; refusing it keeps that link off the relay. Pure.
 */
export function rejectAccountKeyGroupMessages(
  ctx: Pick<GatewayContext, 'metrics'>,
  isAllowed: (pubkey: string) => boolean,
): RejectEvent {
  return (session, ev) => {
    if (ev.kind !== GROUP_MESSAGE_KIND) return ACCEPT;
    if (!session.authed.has(ev.pubkey) && !isAllowed(ev.pubkey)) return ACCEPT;
    const text = '445 must be signed by a fresh ephemeral key, not an account key';
    return decide(ctx.metrics, 'group_message_signer', reason('invalid', strictRefusal('group_message_signer', text)));
  };
}
