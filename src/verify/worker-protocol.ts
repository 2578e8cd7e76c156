import type { NostrEvent } from '../nostr/event.js';
import type { BackendName } from './backend-names.js';

/** What a verify worker is started with (`workerData`). */
export type VerifyWorkerData = { backend: BackendName };

/**
 * One event to check: the event itself (structured-cloned), or the client's `["EVENT", <event>]`
 * frame text exactly as received. Copying a string costs far less on the event loop than cloning
 * the parsed object; the worker parses the same text, so it checks the very event the relay parsed.
 */
export type VerifyItem = NostrEvent | string;

/** Main thread → worker: a batch of events to check. */
export type VerifyBatchRequest = { id: number; items: VerifyItem[] };

/** Worker → main thread: `ready` once the backend loaded, then one `result` per batch (1 = valid, in order). */
export type VerifyWorkerMessage = { type: 'ready' } | { type: 'result'; id: number; results: Uint8Array };
