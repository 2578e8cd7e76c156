// Entry of a verification worker thread: loads one backend, then answers batches until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBackendStrict } from './select.js';
import type { NostrEvent } from '../nostr/event.js';
import type { VerifyBatchRequest, VerifyItem, VerifyWorkerData, VerifyWorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('verify worker must run in a worker thread');
const { backend } = workerData as VerifyWorkerData;

// No fallback here: the pool chose a backend that loads on this machine. A failure is a crash the pool sees.
const { verify } = await loadBackendStrict(backend);

function check(item: VerifyItem): boolean {
  if (typeof item !== 'string') return verify(item);
  try {
    return verify((JSON.parse(item) as unknown[])[1] as NostrEvent);
  } catch {
    return false;
  }
}

port.on('message', (req: VerifyBatchRequest) => {
  const results = new Uint8Array(req.items.length);
  for (let i = 0; i < req.items.length; i++) results[i] = check(req.items[i]!) ? 1 : 0;
  const reply: VerifyWorkerMessage = { type: 'result', id: req.id, results };
  // The result buffer is handed over rather than copied.
  port.postMessage(reply, [results.buffer]);
});
port.postMessage({ type: 'ready' } satisfies VerifyWorkerMessage);
