import type { NostrEvent } from '../nostr/event.js';
import type { BackendName } from './backend-names.js';

/** What a verify worker is started with (`workerData`). */
export type VerifyWorkerData = { backend: BackendName };

/** Main thread → worker: a batch of events to check. */
export type VerifyBatchRequest = { id: number; events: NostrEvent[] };

/** Worker → main thread: `ready` once the backend loaded, then one `result` per batch (1 = valid, in order). */
export type VerifyWorkerMessage = { type: 'ready' } | { type: 'result'; id: number; results: Uint8Array };
