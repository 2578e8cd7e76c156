// The WAL checkpointer's thread (see checkpointer.ts): its own connection to the database file,
// copying committed WAL frames into the database and fsyncing, so the relay's event loop rarely has to.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointWorkerData, CheckpointWorkerMessage } from './checkpointer.js';

const { path, intervalMs } = workerData as CheckpointWorkerData;
const db = new Database(path);
db.pragma('busy_timeout = 5000');

function checkpoint(): void {
  try {
    // PASSIVE never waits for the writer or readers: it copies what it can now and returns.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort?.postMessage({ type: 'failed', message: (err as Error).message } satisfies CheckpointWorkerMessage);
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
