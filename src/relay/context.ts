import type { NostrEvent } from '../nostr/event.js';
import type { RelayCore } from './core/core.js';
import type { CoreParts } from './core/parts.js';

export type { AccessPolicy } from './core/parts.js';

/** Checks a NIP-42 AUTH event against the session's challenge; a reason text when it fails. */
export type AuthEventCheck = (ev: NostrEvent, challenge: string) => string | undefined;

/**
 * What the WebSocket transport needs: the core it adapts, its parts (limits, metrics) and the NIP-42
 * check. `config` is the live config (a getter: a reload of the file replaces it); read a key where
 * it is used, never keep a copy.
 */
export type RelayContext = CoreParts & {
  core: RelayCore;
  checkAuthEvent: AuthEventCheck;
};

/** The transport's context over a core: its parts as they are (the live `config` getter kept), plus the core and the AUTH check. */
export function transportContext(core: RelayCore, checkAuthEvent: AuthEventCheck): RelayContext {
  const ctx = Object.defineProperties({}, Object.getOwnPropertyDescriptors(core.parts)) as CoreParts;
  return Object.assign(ctx, { core, checkAuthEvent });
}
