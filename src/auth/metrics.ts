import { Counter, type Registry } from 'prom-client';

/** The auth, ban and rate-limit counters. Shared by the auth modules, created once per registry. */
export type AuthMetrics = {
  /** nostr_relay_auth_failures_total{reason}: refused NIP-42 and NIP-98 attempts, by reason prefix or cause. */
  authFailures: Counter<'reason'>;
  /** nostr_relay_rate_limited_total{scope}: requests refused by a rate limit, by bucket. */
  rateLimited: Counter<'scope'>;
  /** nostr_relay_bans_total: pubkeys and events banned by an admin. */
  bans: Counter;
};

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  // The core may have registered the same counter already (one registry per relay); reuse it then.
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** Gets or creates the auth counters on `registry`. Safe to call from several modules. */
export function authMetrics(registry: Registry): AuthMetrics {
  return {
    authFailures: counter(registry, 'nostr_relay_auth_failures_total', 'Refused NIP-42 AUTH attempts by reason prefix', [
      'reason',
    ]),
    rateLimited: counter(registry, 'nostr_relay_rate_limited_total', 'Requests refused by a rate limit, by scope', ['scope']),
    bans: counter(registry, 'nostr_relay_bans_total', 'Pubkeys and events banned by an admin', []),
  };
}
