import { ACCEPT, reason } from '../../../src/nostr/reasons.js';
import type { RejectEvent } from '../../../src/relay/hooks.js';
import type { GatewayContext } from '../context.js';
import { isKeyPackageKind } from '../kinds.js';
import { decide } from './counted.js';

/**
 * Refuses KeyPackages (443, 30443) that fail validation (tags, MLS decoding, signatures,
 * lifetime, ref, credential) with `invalid: <reason>`. Remembers successes for the directory.
 */
export function rejectInvalidKeyPackages(ctx: GatewayContext): RejectEvent {
  return async (_session, ev) => {
    if (!isKeyPackageKind(ev.kind)) return ACCEPT;
    const result = await ctx.keyPackages.validate(ev, ctx.now());
    return decide(ctx.metrics, 'keypackage_invalid', result.ok ? undefined : reason('invalid', result.reason));
  };
}
