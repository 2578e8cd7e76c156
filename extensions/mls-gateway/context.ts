import type { Logger } from 'pino';
import type { KeyValueStore } from '../../src/storage/types.js';
import type { EventReader } from '../../src/relay/extension.js';
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
  /** Stored events, read only: removals go through `removeEvents` (the core's writer). */
  events: EventReader;
  removeEvents: (ids: string[]) => Promise<number>;
  metrics: GatewayMetrics;
  logger: Logger;
  rosters: RosterCache;
  keyPackages: KeyPackageMemo;
  /** The group registry's counts, written in batches (no per-message transaction). */
  groupActivity: GroupActivity;
  /** Unix seconds. */
  now: () => number;
};
