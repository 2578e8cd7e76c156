// The writer thread of the SQLite event store (see writer-thread.ts): the only connection that writes
// events. Each save request is one IMMEDIATE transaction; its answer is sent after the commit.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { createWriteHandler } from './write-handler.js';
import type { WriteReply, WriteRequest, WriteWorkerData } from './write-protocol.js';

const { path, synchronous } = workerData as WriteWorkerData;
const db = new Database(path);
db.pragma(`synchronous = ${synchronous}`);
db.pragma('cache_size = -32768');
db.pragma('temp_store = MEMORY');
db.pragma('busy_timeout = 5000');
// The checkpoint worker copies the WAL; this connection checkpoints only as a backstop (see checkpointer.ts).
db.pragma('journal_size_limit = 67108864');
db.pragma('wal_autocheckpoint = 8192');
const handle = createWriteHandler(db);
const port = parentPort!;
const post = (m: WriteReply): void => port.postMessage(m);

port.on('message', (req: WriteRequest | 'stop') => {
  if (req === 'stop') {
    db.close();
    port.close();
    return;
  }
  post(handle(req));
});
post({ type: 'ready' });
