import type { Logger } from 'pino';
import type { RelayConfig } from '../config/types.js';
import type { NostrEvent } from '../nostr/event.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { EventStore } from '../storage/types.js';
import type { RelayHooks } from './hooks.js';
import type { LiveFanout } from './live.js';
import type { CombinedReadGate } from './read-gate.js';
import type { PreauthGuard } from './preauth.js';
import type { Writer } from './writer.js';

/** Who may use the relay (NIP-42 + allowlist). The auth module's AccessControl implements it. */
export interface AccessPolicy {
  isAllowed(pubkey: string): boolean;
  /** Banned pubkeys may not authenticate at all, whether or not auth is required. */
  isBanned(pubkey: string): boolean;
}

/** Checks a NIP-42 AUTH event against the session's challenge; a reason text when it fails. */
export type AuthEventCheck = (ev: NostrEvent, challenge: string) => string | undefined;

/** Everything the protocol handlers need. Built once by the composition root. */
export type RelayContext = {
  /** The live config (a getter: a reload of the file replaces it); read a key where it is used, never keep a copy. */
  config: RelayConfig;
  logger: Logger;
  metrics: RelayMetrics;
  store: EventStore;
  writer: Writer;
  hooks: RelayHooks;
  gate: CombinedReadGate;
  live: LiveFanout;
  /** Verifies the BIP-340 signature (and id) of an event, off the event loop where possible; `frame` as in Verifier.verify. */
  verify: (ev: NostrEvent, frame?: string) => Promise<boolean>;
  access: AccessPolicy;
  checkAuthEvent: AuthEventCheck;
  /** What connections without an allowed identity may cost (frame cap, byte budget, verifier share). */
  preauth: PreauthGuard;
};
