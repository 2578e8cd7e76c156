// Entry of a verification worker thread: loads one backend, then answers batches until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import { loadBackendStrict } from './select.js';
import type { VerifyBatchRequest, VerifyWorkerData, VerifyWorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('verify worker must run in a worker thread');
const { backend } = workerData as VerifyWorkerData;

// No fallback here: the pool chose a backend that loads on this machine. A failure is a crash the pool sees.
const { verify } = await loadBackendStrict(backend);

port.on('message', (req: VerifyBatchRequest) => {
  const results = new Uint8Array(req.events.length);
  for (let i = 0; i < req.events.length; i++) results[i] = verify(req.events[i]!) ? 1 : 0;
  const reply: VerifyWorkerMessage = { type: 'result', id: req.id, results };
  // The result buffer is handed over rather than copied.
  port.postMessage(reply, [results.buffer]);
});
port.postMessage({ type: 'ready' } satisfies VerifyWorkerMessage);
