import type { Logger } from 'pino';
import type { EventStore, KeyValueStore } from '../../src/storage/types.js';
import type { MlsGatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { RosterCache } from './roster/roster-cache.js';
import type { KeyPackageMemo } from './directory/keypackage-memo.js';

/** What every part of the gateway shares once registered. */
export type GatewayContext = {
  cfg: MlsGatewayConfig;
  /** The key-value port, timed into the db duration histogram. */
  kv: KeyValueStore;
  events: EventStore;
  metrics: GatewayMetrics;
  logger: Logger;
  rosters: RosterCache;
  keyPackages: KeyPackageMemo;
  /** Unix seconds. */
  now: () => number;
};
