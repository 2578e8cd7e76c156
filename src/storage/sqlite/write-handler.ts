import type { Database } from 'better-sqlite3';
import type { VerifiedEvent } from '../../nostr/event.js';
import { rememberJson } from '../../nostr/frames.js';
import { EventRemover } from './event-remover.js';
import { SqliteBatchSaver, type SaveItem } from './save-batch.js';
import { ITEM_SEPARATOR, type ItemOutcome, type WriteReply, type WriteRequest } from './write-protocol.js';

const decoder = new TextDecoder();

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Carries out write-protocol requests on `db`, synchronously: the writer thread's loop
 * (write-worker.ts), and the cluster primary's when it commits on its own connection
 * (primary-writes.ts). Each save request is one IMMEDIATE transaction, answered after the commit;
 * a request that cannot be read or committed is answered `failed` and stores nothing. Never throws.
 */
export function createWriteHandler(db: Database): (req: WriteRequest) => WriteReply {
  const saver = new SqliteBatchSaver(db);
  const remover = new EventRemover(db);
  const saveTx = db.transaction((items: SaveItem[]) => saver.saveWithin(items));
  return (req) => {
    try {
      if (req.type === 'save') {
        // The sender verified these events; their JSON is exactly what it serialized.
        const deletions = new Map(req.deletions);
        const rules = new Map(req.rules);
        const items = decoder
          .decode(req.batch)
          .split(ITEM_SEPARATOR)
          .map((json, i) => {
            const event = JSON.parse(json) as VerifiedEvent;
            // Stored as received (insertEventParams), not serialized again.
            rememberJson(event, json);
            return {
              event,
              ...(deletions.has(i) ? { deletion: deletions.get(i) } : {}),
              ...(rules.has(i) ? { mayDelete: rules.get(i) } : {}),
            };
          });
        const results = saveTx.immediate(items);
        const outcomes: ItemOutcome[] = results.map((r) => (r.status === 'error' ? { code: codeOf(r.error) } : r.status));
        return { type: 'saved', id: req.id, outcomes };
      }
      if (req.type === 'cap-pages') return { type: 'done', id: req.id, n: db.pragma(`max_page_count = ${Math.floor(req.pages)}`, { simple: true }) as number };
      if (req.type === 'remove') return { type: 'done', id: req.id, n: remover.remove(req.ids) };
      return { type: 'done', id: req.id, n: remover.purgeStep(req.now, req.chunk) };
    } catch (err) {
      // The transaction failed as a whole (lock, disk full, I/O) or the request was unreadable: nothing of it is stored.
      return { type: 'failed', id: req.id, code: codeOf(err) };
    }
  };
}
