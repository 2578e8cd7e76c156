import type { Counter } from 'prom-client';
import { ACCEPT, reject } from '../../../src/nostr/reasons.js';
import type { ChargeEvent } from '../../../src/relay/hooks.js';
import { principal, TokenBucket } from '../../../src/relay/policies/rate-limits.js';
import type { MlsGatewayConfig } from '../config.js';
import { GROUP_MESSAGE_KIND, isKeyPackageKind } from '../kinds.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Options of limitGatewayKinds. */
export type KindRateOptions = {
  /** nostr_relay_rate_limited_total{scope} (scopes `kind-445`, `keypackage`). */
  counter?: Counter<'scope'>;
  /** Milliseconds now (tests). */
  clock?: () => number;
};

/**
 * chargeEvent: group messages (445) per minute and KeyPackages (443, 30443) per hour, charged to the
 * connection's first authenticated pubkey (its IP when it has none) → `rate-limited:`. The limits
 * (`group_messages_per_minute`, `keypackages_per_hour`) are read from the live section on every check.
 */
export function limitGatewayKinds(cfg: () => MlsGatewayConfig, opts: KindRateOptions = {}): ChargeEvent {
  const clock = opts.clock ?? Date.now;
  const groupMessages = new TokenBucket({ limit: () => cfg().group_messages_per_minute, windowMs: MINUTE });
  const keyPackages = new TokenBucket({ limit: () => cfg().keypackages_per_hour, windowMs: HOUR });
  return (ctx, ev) => {
    const charge =
      ev.kind === GROUP_MESSAGE_KIND
        ? { bucket: groupMessages, scope: 'kind-445', what: 'group messages' }
        : isKeyPackageKind(ev.kind)
          ? { bucket: keyPackages, scope: 'keypackage', what: 'KeyPackages' }
          : undefined;
    if (!charge || charge.bucket.take(principal(ctx), clock())) return ACCEPT;
    opts.counter?.inc({ scope: charge.scope });
    return reject('rate-limited', `too many ${charge.what}, slow down`);
  };
}
