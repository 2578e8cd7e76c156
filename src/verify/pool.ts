import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { NostrEvent } from '../nostr/event.js';
import type { BackendName } from './backend-names.js';
import { JobFifo, settleInOrder, type VerifyJob } from './job-queue.js';
import { loadBackend, type SkipListener } from './select.js';
import { VerifyError, type Verifier, type VerifyErrorCode } from './verifier.js';
import { spawnModuleWorker } from '../runtime/module-worker.js';
import type { VerifyBatchRequest, VerifyWorkerData, VerifyWorkerMessage } from './worker-protocol.js';

/** Options of createVerifier. */
export type VerifierOptions = {
  /** Worker threads; 0 or absent = one per core (os.availableParallelism()). */
  threads?: number;
  /** "auto" (default: fastest that loads here) or a name from BACKEND_NAMES; falls back to pure JS if it cannot load. */
  backend?: string;
  /** Calls accepted but not yet answered; past it verify() rejects with RELAY_ERR_VERIFY_QUEUE_FULL. Default 4096. */
  maxQueue?: number;
  /** Told about each backend skipped during selection (to log it). */
  onSkip?: SkipListener;
};

/** The worker pool: a Verifier plus what operators and tests need to see. */
export interface VerifierPool extends Verifier {
  /** Number of worker threads. */
  readonly threads: number;
  /** Calls accepted and not yet answered. */
  readonly pending: number;
  /** Workers replaced after a crash since start. */
  readonly respawns: number;
  /** Terminates worker `index` as a crash would (tests, chaos drills); its in-flight calls fail and it is replaced. */
  killWorker(index: number): Promise<void>;
}

// Small batches amortise postMessage without making one slow batch hold back many answers.
const BATCH_MAX = 16;
// Two batches per worker: one running, one already queued in its port, so a worker never idles on a round trip.
const INFLIGHT_BATCHES = 2;
const RESPAWN_DELAY_MAX_MS = 1000;

/** The NIP-01 fields only: anything else a caller attached would be cloned to the worker for nothing. */
function wireFields(ev: NostrEvent): NostrEvent {
  const { id, pubkey, created_at, kind, tags, content, sig } = ev;
  return { id, pubkey, created_at, kind, tags, content, sig };
}

function failJob(job: VerifyJob, code: VerifyErrorCode): void {
  job.isDone = true;
  job.error = new VerifyError(code);
}

type Slot = { worker: Worker; isReady: boolean; inflight: Map<number, VerifyJob[]>; crashes: number };

/**
 * A Verifier backed by worker_threads, one per core by default, so Schnorr checks never block the
 * event loop. Calls are batched per tick, bounded by `maxQueue`, and answered in submission order.
 * A crashed worker fails its in-flight calls with RELAY_ERR_VERIFY_WORKER_CRASHED and is replaced.
 */
export async function createVerifier(opts: VerifierOptions = {}): Promise<VerifierPool> {
  const loaded = await loadBackend(opts.backend ?? 'auto', opts.onSkip);
  const pool = new WorkerPool(loaded.name, opts.threads || availableParallelism(), opts.maxQueue ?? 4096);
  try {
    await pool.start();
  } catch (err) {
    await pool.close();
    throw err;
  }
  return pool;
}

class WorkerPool implements VerifierPool {
  private readonly slots: (Slot | undefined)[];
  private readonly queued = new JobFifo();
  private readonly outstanding = new JobFifo();
  private nextBatchId = 1;
  private isFlushScheduled = false;
  private isClosed = false;
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  respawns = 0;

  constructor(
    readonly backend: BackendName,
    readonly threads: number,
    private readonly maxQueue: number,
  ) {
    this.slots = new Array<Slot | undefined>(threads).fill(undefined);
  }

  get pending(): number {
    return this.outstanding.size;
  }

  /** Starts every worker and waits until each has loaded its backend. */
  async start(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.spawn(i, 0)));
  }

  verify(ev: NostrEvent, frame?: string): Promise<boolean> {
    if (this.isClosed) return Promise.reject(new VerifyError('RELAY_ERR_VERIFY_CLOSED'));
    if (this.outstanding.size >= this.maxQueue) return Promise.reject(new VerifyError('RELAY_ERR_VERIFY_QUEUE_FULL'));
    return new Promise<boolean>((resolve, reject) => {
      const job: VerifyJob = { ev, frame, isDone: false, result: false, resolve, reject };
      this.queued.push(job);
      this.outstanding.push(job);
      this.scheduleFlush();
    });
  }

  async killWorker(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot) throw new Error(`no live worker at index ${index}`);
    await slot.worker.terminate();
  }

  async close(): Promise<void> {
    this.isClosed = true;
    for (const timer of this.respawnTimers) clearTimeout(timer);
    const workers = this.slots.filter((s): s is Slot => s !== undefined).map((s) => s.worker);
    this.slots.fill(undefined);
    for (let job = this.outstanding.shift(); job; job = this.outstanding.shift()) {
      if (!job.isDone) job.reject(new VerifyError('RELAY_ERR_VERIFY_CLOSED'));
      else if (job.error) job.reject(job.error);
      else job.resolve(job.result);
    }
    this.queued.take(Infinity);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  // Batching per tick: calls made in the same tick share a postMessage.
  private scheduleFlush(): void {
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    queueMicrotask(() => {
      this.isFlushScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queued.size > 0) {
      const slot = this.leastBusySlot();
      if (!slot) return;
      const jobs = this.queued.take(BATCH_MAX);
      const id = this.nextBatchId++;
      slot.inflight.set(id, jobs);
      const req: VerifyBatchRequest = { id, items: jobs.map((j) => j.frame ?? wireFields(j.ev)) };
      try {
        slot.worker.postMessage(req);
      } catch {
        // Only a caller bypassing the shape check can get here (a value that cannot be cloned); failing
        // this batch beats an exception thrown from a microtask, which would take the process down.
        slot.inflight.delete(id);
        for (const job of jobs) failJob(job, 'RELAY_ERR_VERIFY_WORKER_CRASHED');
        settleInOrder(this.outstanding);
      }
    }
  }

  private leastBusySlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!slot?.isReady || slot.inflight.size >= INFLIGHT_BATCHES) continue;
      if (!best || slot.inflight.size < best.inflight.size) best = slot;
    }
    return best;
  }

  /** Starts worker `index`; resolves once it is ready, rejects if it dies first. */
  private spawn(index: number, crashes: number): Promise<void> {
    const worker = spawnModuleWorker(import.meta.url, 'worker', { backend: this.backend } satisfies VerifyWorkerData);
    const slot: Slot = { worker, isReady: false, inflight: new Map(), crashes };
    this.slots[index] = slot;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: VerifyWorkerMessage) => {
        if (msg.type === 'ready') {
          slot.isReady = true;
          resolve();
          this.dispatch();
        } else this.onResult(slot, msg.id, msg.results);
      });
      // 'exit' always follows 'error'; listening to 'error' keeps it from becoming an uncaught exception.
      worker.on('error', () => undefined);
      worker.on('exit', (code) => {
        reject(new Error(`verify worker exited with code ${code} before it was ready`));
        this.onExit(index, slot);
      });
    });
  }

  private onResult(slot: Slot, id: number, results: Uint8Array): void {
    const jobs = slot.inflight.get(id);
    if (!jobs) return;
    slot.inflight.delete(id);
    slot.crashes = 0;
    jobs.forEach((job, i) => {
      job.isDone = true;
      job.result = results[i] === 1;
    });
    settleInOrder(this.outstanding);
    this.dispatch();
  }

  private onExit(index: number, slot: Slot): void {
    if (this.isClosed || this.slots[index] !== slot) return;
    this.slots[index] = undefined;
    // The events in flight may be what killed the worker: fail them rather than retry them on the next one.
    for (const jobs of slot.inflight.values()) {
      for (const job of jobs) failJob(job, 'RELAY_ERR_VERIFY_WORKER_CRASHED');
    }
    settleInOrder(this.outstanding);
    this.respawns++;
    // A worker that keeps dying before doing any work backs off instead of spinning.
    const delayMs = slot.crashes === 0 ? 0 : Math.min(RESPAWN_DELAY_MAX_MS, 50 * 2 ** slot.crashes);
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      // A replacement that dies before it is ready goes through onExit again, with a longer delay.
      this.spawn(index, slot.crashes + 1).catch(() => undefined);
    }, delayMs);
    this.respawnTimers.add(timer);
  }
}
