import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/types.js';
import type { NostrEvent } from '../../nostr/event.js';
import type { RelayMetrics } from '../../observability/metrics.js';
import type { EventStore } from '../../storage/types.js';
import type { RelayHooks } from '../hooks.js';
import { PreauthGuard } from '../preauth.js';
import { RECIPIENT_ONLY_KINDS, registerRecipientOnlyKinds } from '../policies/auth.js';
import { RelayCore } from './core.js';
import { deletionRule } from './deletion-rule.js';
import { LiveFanout } from './live.js';
import { QueryAllowance } from './query-allowance.js';
import type { AccessPolicy } from './parts.js';
import { combineReadGates } from './read-gate.js';
import { Writer } from './writer.js';

/** The ports a core is built on. */
export type CorePorts = {
  /** The live config (read on every use: a reload of the file replaces it), or a fixed one. */
  config: RelayConfig | (() => RelayConfig);
  logger: Logger;
  metrics: RelayMetrics;
  store: EventStore;
  hooks: RelayHooks;
  verify: (ev: NostrEvent, frame?: string) => Promise<boolean>;
  access: AccessPolicy;
};

/**
 * Builds the core's stateful pieces over its ports (and registers gift wraps as recipient-only): the combined read gate, the writer (with the
 * NIP-09 rule of the mayDelete hooks and the onEventsDeleted observers), the live fanout and the
 * pre-auth guard. The hook arrays are read live, so extensions may register after this.
 */
export function createRelayCore(ports: CorePorts): RelayCore {
  const { logger, metrics, store, hooks, verify, access } = ports;
  // Gift wraps (NIP-59) are readable and deletable by their recipients only, whoever builds a core
  // (the relay, the CLI import, tests); extensions add their addressed kinds the same way.
  registerRecipientOnlyKinds(hooks, RECIPIENT_ONLY_KINDS, access);
  const config = typeof ports.config === 'function' ? ports.config : ((fixed: RelayConfig) => () => fixed)(ports.config);
  const gate = combineReadGates(hooks.readGates);
  const live = new LiveFanout(gate, hooks.overwriteResults, (n) => metrics.eventsBroadcast.inc(n));
  const writer = new Writer(store, {
    logger,
    storeOpDuration: metrics.storeOpDuration,
    storeOps: metrics.storeOps,
    mayDelete: deletionRule(hooks.mayDelete),
    onDeleted: hooks.onEventsDeleted,
  });
  const preauth = new PreauthGuard(config, access);
  const queries = new QueryAllowance(() => config().rate_limits.query_rows_per_minute, metrics.queryAllowance);
  return new RelayCore({
    get config() {
      return config();
    },
    logger,
    metrics,
    store,
    writer,
    hooks,
    gate,
    live,
    verify,
    access,
    preauth,
    queries,
  });
}
