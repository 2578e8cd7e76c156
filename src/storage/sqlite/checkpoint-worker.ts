// The WAL checkpointer's thread (see checkpointer.ts): its own connection to the database file,
// copying committed WAL frames into the database and fsyncing, so the relay's event loop rarely has to.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointWorkerData, CheckpointWorkerMessage } from './checkpointer.js';

const { path, intervalMs } = workerData as CheckpointWorkerData;
const db = new Database(path);
db.pragma('busy_timeout = 5000');

// Reported once per run of failures, not every interval: a failing disk must not flood the logs.
let failing = false;

function checkpoint(): void {
  try {
    // PASSIVE never waits for the writer or readers: it copies what it can now and returns.
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (err) {
    if (!failing) parentPort?.postMessage({ type: 'failed', message: (err as Error).message } satisfies CheckpointWorkerMessage);
    failing = true;
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
parentPort?.postMessage({ type: 'ready' } satisfies CheckpointWorkerMessage);
