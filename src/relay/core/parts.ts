import type { Logger } from 'pino';
import type { RelayConfig } from '../../config/types.js';
import type { NostrEvent } from '../../nostr/event.js';
import type { RelayMetrics } from '../../observability/metrics.js';
import type { EventStore } from '../../storage/types.js';
import type { RelayHooks } from '../hooks.js';
import type { PreauthGuard } from '../preauth.js';
import type { LiveFanout } from './live.js';
import type { QueryAllowance } from './query-allowance.js';
import type { CombinedReadGate } from './read-gate.js';
import type { Writer } from './writer.js';

/** Who may use the relay (NIP-42 + allowlist). The auth module's AccessControl implements it. */
export interface AccessPolicy {
  isAllowed(pubkey: string): boolean;
  /** Banned pubkeys may not authenticate at all, whether or not auth is required. */
  isBanned(pubkey: string): boolean;
}

/**
 * What the relay core is built from: ports and the pieces that hold state (writer, live fanout).
 * Transports never reach into these; they call RelayCore.
 */
export type CoreParts = {
  /** The live config: a getter, so a reload of the file is seen by the next read. */
  readonly config: RelayConfig;
  logger: Logger;
  metrics: RelayMetrics;
  /** Read side of the store; every write goes through `writer`. */
  store: EventStore;
  writer: Writer;
  hooks: RelayHooks;
  gate: CombinedReadGate;
  live: LiveFanout;
  /** Verifies the BIP-340 signature (and id) of an event, off the event loop where possible; `frame` as in Verifier.verify. */
  verify: (ev: NostrEvent, frame?: string) => Promise<boolean>;
  access: AccessPolicy;
  /** What connections without an allowed identity may cost (frame cap, byte budget, verifier share). */
  preauth: PreauthGuard;
  /** What each member's REQs and COUNTs may cost per minute: every request is admitted through it, every read charged. */
  queries: QueryAllowance;
};
