// The writer thread of the SQLite event store (see writer-thread.ts): the only connection that writes
// events. Each save request is one IMMEDIATE transaction; its answer is sent after the commit.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { VerifiedEvent } from '../../nostr/event.js';
import { SqliteBatchSaver, type SaveItem } from './save-batch.js';
import { EventRemover } from './event-remover.js';
import { ITEM_SEPARATOR, type ItemOutcome, type WriteReply, type WriteRequest, type WriteWorkerData } from './write-protocol.js';

const { path, synchronous } = workerData as WriteWorkerData;
const db = new Database(path);
db.pragma(`synchronous = ${synchronous}`);
db.pragma('cache_size = -32768');
db.pragma('temp_store = MEMORY');
db.pragma('busy_timeout = 5000');
// The checkpoint worker copies the WAL; this connection checkpoints only as a backstop (see checkpointer.ts).
db.pragma('journal_size_limit = 67108864');
db.pragma('wal_autocheckpoint = 8192');
const saver = new SqliteBatchSaver(db);
const remover = new EventRemover(db);
const saveTx = db.transaction((items: SaveItem[]) => saver.saveWithin(items));
const decoder = new TextDecoder();
const port = parentPort!;
const post = (m: WriteReply): void => port.postMessage(m);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function handle(req: WriteRequest): WriteReply {
  try {
    if (req.type === 'save') {
      // The main thread verified these events before sending them; their JSON is exactly what it serialized.
      const deletions = new Map(req.deletions);
      const rules = new Map(req.rules);
      const items = decoder
        .decode(req.batch)
        .split(ITEM_SEPARATOR)
        .map((json, i) => ({
          event: JSON.parse(json) as VerifiedEvent,
          ...(deletions.has(i) ? { deletion: deletions.get(i) } : {}),
          ...(rules.has(i) ? { mayDelete: rules.get(i) } : {}),
        }));
      const results = saveTx.immediate(items);
      const outcomes: ItemOutcome[] = results.map((r) => (r.status === 'error' ? { code: codeOf(r.error) } : r.status));
      return { type: 'saved', id: req.id, outcomes };
    }
    if (req.type === 'cap-pages') return { type: 'done', id: req.id, n: db.pragma(`max_page_count = ${Math.floor(req.pages)}`, { simple: true }) as number };
    if (req.type === 'remove') return { type: 'done', id: req.id, n: remover.remove(req.ids) };
    return { type: 'done', id: req.id, n: remover.purgeStep(req.now, req.chunk) };
  } catch (err) {
    // The transaction failed as a whole (lock, disk full, I/O): nothing of the request is stored.
    return { type: 'failed', id: req.id, code: codeOf(err) };
  }
}

port.on('message', (req: WriteRequest | 'stop') => {
  if (req === 'stop') {
    db.close();
    port.close();
    return;
  }
  post(handle(req));
});
post({ type: 'ready' });
