// A reader thread of the SQLite event store (see reader-pool.ts): its own read-only connection (WAL lets it
// read beside the writer), REQ and COUNT reads in pages, several reads interleaved page by page.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { niceThisThread } from '../../runtime/thread-priority.js';
import { QueryTooExpensiveError, type QueryBudget } from '../types.js';
import { SqliteQueryRunner } from './query-runner.js';
import { SLICE_EVENTS, type ReadFailure, type ReadReply, type ReadRequest, type ReadWorkerData } from './read-protocol.js';

const { path, nice } = workerData as ReadWorkerData;
// Reads yield the CPU to the relay's event loop when both want it (storage.sqlite.reader_nice): two
// members' expensive REQs otherwise keep both cores of a 2-core machine busy on the reader threads
// (ingest fell 57% in bench hostile-queries; 35% at nice 10). Idle cores still run reads at full speed.
if (nice > 0) niceThisThread(nice);
const db = new Database(path, { readonly: true });
// The writer thread may hold locks briefly (a checkpoint's restart of the WAL): wait instead of failing.
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -16384');
const runner = new SqliteQueryRunner(db);
const running = new Set<number>();
const aborted = new Set<number>();
const port = parentPort!;
const post = (m: ReadReply): void => port.postMessage(m);

class Aborted extends Error {}

function failureOf(err: unknown): ReadFailure {
  if (err instanceof QueryTooExpensiveError) return { kind: 'too-expensive' };
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return { kind: 'storage', ...(typeof cause?.code === 'string' ? { code: cause.code } : {}) };
}

async function serve(req: Exclude<ReadRequest, { type: 'abort' }>): Promise<void> {
  const budget: QueryBudget | undefined = req.budget ? { ...req.budget } : undefined;
  const checkAborted = (): void => {
    if (aborted.has(req.id)) throw new Aborted();
  };
  running.add(req.id);
  try {
    if (req.type === 'count') {
      const count = runner.count(req.filters, { now: req.now, budget, checkAborted, max: req.max });
      post({ type: 'done', id: req.id, count, rowsLeft: budget?.rowsLeft });
      return;
    }
    const raws = await runner.query(req.filters, { now: req.now, budget, checkAborted });
    for (let i = 0; i < raws.length; i += SLICE_EVENTS) post({ type: 'slice', id: req.id, raws: raws.slice(i, i + SLICE_EVENTS) });
    post({ type: 'done', id: req.id, rowsLeft: budget?.rowsLeft });
  } catch (err) {
    // An aborted read needs no answer: the main thread settled it when it asked to stop.
    if (!(err instanceof Aborted)) post({ type: 'failed', id: req.id, failure: failureOf(err), rowsLeft: budget?.rowsLeft });
  } finally {
    running.delete(req.id);
    aborted.delete(req.id);
  }
}

port.on('message', (req: ReadRequest | 'stop') => {
  if (req === 'stop') {
    db.close();
    port.close();
    return;
  }
  // An abort that crossed the read's last answer is dropped: nothing is left to stop.
  if (req.type === 'abort') {
    if (running.has(req.id)) aborted.add(req.id);
  } else void serve(req);
});
post({ type: 'ready' });
