import type { NostrEvent } from '../nostr/event.js';
import type { RelayCore } from './core/core.js';
import type { CoreParts } from './core/parts.js';

export type { AccessPolicy } from './core/parts.js';

/** Checks a NIP-42 AUTH event against the session's challenge; a reason text when it fails. */
export type AuthEventCheck = (ev: NostrEvent, challenge: string) => string | undefined;

/** What the WebSocket transport needs: the core it adapts, its parts (limits, metrics), and the NIP-42 check. */
export type RelayContext = CoreParts & {
  core: RelayCore;
  checkAuthEvent: AuthEventCheck;
};
