import type { NostrEvent } from '../nostr/event.js';
import type { VerifyError } from './verifier.js';

/** One verify() call waiting for its answer. */
export type VerifyJob = {
  readonly ev: NostrEvent;
  /** The client's `["EVENT", ev]` frame, when known: sent to the worker instead of a clone of `ev`. */
  readonly frame?: string;
  isDone: boolean;
  result: boolean;
  error?: VerifyError;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: VerifyError) => void;
};

/**
 * A FIFO of jobs with O(1) push and shift. Arrays shifted from the front are O(n) per shift; a head
 * index with occasional compaction keeps a deep queue cheap.
 */
export class JobFifo {
  private items: VerifyJob[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(job: VerifyJob): void {
    this.items.push(job);
  }

  peek(): VerifyJob | undefined {
    return this.items[this.head];
  }

  shift(): VerifyJob | undefined {
    const job = this.items[this.head];
    if (job === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return job;
  }

  /** Removes and returns up to `max` jobs from the front. */
  take(max: number): VerifyJob[] {
    const out: VerifyJob[] = [];
    while (out.length < max && this.size > 0) out.push(this.shift()!);
    return out;
  }
}

/**
 * Settles jobs in submission order: a job answered early waits until every earlier one is answered,
 * so a caller that pipelines several checks sees the answers in the order it asked.
 */
export function settleInOrder(outstanding: JobFifo): void {
  for (let job = outstanding.peek(); job?.isDone; job = outstanding.peek()) {
    outstanding.shift();
    if (job.error) job.reject(job.error);
    else job.resolve(job.result);
  }
}
