import type { Logger } from 'pino';
import type { EventStore, KeyValueStore } from '../../src/storage/types.js';
import type { MlsGatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { RosterCache } from './roster/roster-cache.js';
import type { KeyPackageMemo } from './directory/keypackage-memo.js';
import type { GroupActivity } from './groups/group-activity.js';

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
  /** The group registry's counts, written in batches (no per-message transaction). */
  groupActivity: GroupActivity;
  /** Unix seconds. */
  now: () => number;
};
