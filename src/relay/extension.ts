import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ExtensionConfig } from '../config/relay-schema.js';
import type { EventStore, KeyValueStore } from '../storage/types.js';
import type { RelayHooks } from './hooks.js';
import type { RelayCore } from './core/core.js';

/** The store's read side, all an extension may touch directly: writes go through the core. */
export type EventReader = Pick<EventStore, 'query' | 'count' | 'has'>;

/** What an extension's REST routes read through: the core's gates, never the store alone. */
export type CoreReads = Pick<RelayCore, 'authorize' | 'read' | 'readFilter' | 'handOut'>;

/** What the core hands an extension at registration. Ports only, never an adapter. */
export type ExtensionDeps = {
  /** The extension's own config section at start, validated by its schema (RelayExtension.config). */
  config: unknown;
  /**
   * The section as of the last reload of the config file: read it where the extension uses a key
   * its schema marks reloadable (the other keys keep their start values until a restart).
   */
  liveConfig: () => unknown;
  logger: Logger;
  metrics: Registry;
  /** Reads of stored events (maintenance, state rebuilds); what a client is shown goes through `reads`. */
  events: EventReader;
  /** Removes stored events through the core's writer, so every onEventsDeleted observer hears of it. */
  removeEvents: (ids: string[]) => Promise<number>;
  /** The core's read pipeline for transports the extension serves (REST): authorize, gated read, hand-out. */
  reads: CoreReads;
  /** Labels `kinds` by number in the core's event metrics (nostr_relay_events_total{kind}); others count as 'other'. */
  labelKinds: (kinds: readonly number[]) => void;
  /** Makes `kinds` readable only by their `p` recipients (read gate, AUTH prompt, deletion by a recipient). */
  recipientOnly: (kinds: readonly number[]) => void;
  kv: KeyValueStore;
  /** The public relay URL (server.url). */
  relayUrl: string;
  /**
   * Resolves the NIP-98 authenticated, allowlisted pubkey of an HTTP request, or throws a RelayError.
   * The route states whether it only reads (`isRead`): a read's token may be used again by the same
   * client within its validity window; any other token is single use (the default).
   */
  authenticateHttp: (req: FastifyRequest, use?: { isRead: boolean }) => Promise<string>;
  /** Resolves the pubkey of a relay admin (NIP-98 token or admin console session), or throws (401/403); the core always provides it. */
  authenticateAdmin?: (req: FastifyRequest) => Promise<string>;
  /** True when `pubkey` is on the effective allowlist (file and NIP-86) and not banned. */
  isAllowed: (pubkey: string) => boolean;
};

/** What an extension adds to the NIP-11 document. */
export type Nip11Contribution = { supported_nips?: number[]; [key: string]: unknown };

/**
 * A relay extension: registers policies into the same hook slots as the core's own, and may
 * serve HTTP routes under its prefix (an encapsulated fastify plugin).
 */
export interface RelayExtension {
  readonly name: string;
  /** Its config section (keys, defaults, docs, reloadable), validated by the core's loader and documented with the core's. */
  readonly config?: ExtensionConfig;
  register(hooks: RelayHooks, deps: ExtensionDeps): Promise<void> | void;
  routes?: { prefix: string; plugin: FastifyPluginAsync };
  nip11?: () => Nip11Contribution;
  /** Periodic maintenance (purging, gauges); called by the core's maintenance timer. */
  maintain?: (now: number) => Promise<void>;
  close?(): Promise<void>;
}
