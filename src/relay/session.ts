import type { WebSocket } from 'ws';
import { eventFrame } from '../nostr/frames.js';
import type { Subscriber } from './core/live.js';
import type { LiveSubscription } from './core/subscription-index.js';

/** Why a session was closed by the relay. */
export type DropReason = 'slow-client' | 'shutdown' | 'idle' | 'banned';

/**
 * One WebSocket connection: its identity (authenticated pubkeys), its open subscriptions, and
 * an ordered task chain so that one connection's messages are handled in order.
 */
export class Session implements Subscriber {
  readonly authed = new Set<string>();
  /** Pubkeys whose AUTH was refused (not allowed, banned) or later revoked; see SessionContext. */
  readonly refused = new Set<string>();
  readonly subs = new Map<string, LiveSubscription<Subscriber> & { abort: AbortController }>();
  /** Messages received but not yet handled (bounded by the caller). */
  queued = 0;
  /** EVENTs whose id and signature checks were started before their turn (see dispatch.ts). */
  checksAhead = 0;
  closed = false;
  alive = true;
  /** True while the socket is paused because too many messages wait (see enqueue). */
  paused = false;
  private chain: Promise<void> = Promise.resolve();
  /** EVENTs past their policies, waiting for their commit and their OK, in arrival order (see settleInOrder). */
  private settling: Promise<void> = Promise.resolve();

  constructor(
    readonly connId: string,
    readonly ip: string,
    readonly challenge: string,
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly onSlowClient: (s: Session) => void,
    /** Messages waiting before the relay stops reading the socket (backpressure instead of buffering). */
    private readonly highWater: (s: Session) => number = () => Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Sends a frame unless the client stopped reading: past `maxBufferedBytes` of unsent data the
   * connection is dropped, so one slow reader cannot grow the relay's memory.
   */
  send(frame: string): boolean {
    if (this.closed) return false;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.onSlowClient(this);
      this.terminate('slow-client');
      return false;
    }
    this.ws.send(frame);
    return true;
  }

  /** Sends one event of subscription `subId` (stored or live). */
  deliver(subId: string, json: string): boolean {
    return this.send(eventFrame(subId, json));
  }

  /**
   * Runs tasks one after another, in arrival order. A failing task does not stop the chain. Past
   * `highWater` waiting tasks the socket is paused (the kernel's buffers and then the client's
   * writes block), and resumed once half of them are done.
   */
  enqueue(task: () => Promise<void>): void {
    this.chain = this.track(this.chain, () => (this.closed ? Promise.resolve() : task()));
  }

  /**
   * Runs the second half of an EVENT (wait for the commit, answer OK) after the earlier ones'
   * second halves, while the connection's next message is already handled: a connection's events
   * then share commits. Counts as waiting work, like a queued message. Runs on a closed connection
   * too (the event is in the writer's queue: observers and live delivery must follow its commit).
   * Resolves when it has run.
   */
  settleInOrder(task: () => Promise<void>): Promise<void> {
    this.settling = this.track(this.settling, task);
    return this.settling;
  }

  /** Resolves when every EVENT handed to settleInOrder so far has been answered. */
  settled(): Promise<void> {
    return this.settling;
  }

  /** Resolves when every queued task has run and every EVENT has been answered. */
  async idle(): Promise<void> {
    await this.chain;
    await this.settling;
  }

  /** Chains `task` after `after`, counting it as waiting work (backpressure); never rejects. */
  private track(after: Promise<void>, task: () => Promise<void>): Promise<void> {
    this.queued++;
    if (!this.paused && this.queued >= this.highWater(this)) {
      this.paused = true;
      this.ws.pause();
    }
    return after
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        this.queued--;
        if (this.paused && this.queued <= this.highWater(this) / 2) {
          this.paused = false;
          if (!this.closed) this.ws.resume();
        }
      });
  }

  /** Closes with a close frame (graceful) and a code/reason the client can read. */
  close(code: number, why: string): void {
    this.markClosed();
    this.ws.close(code, why);
  }

  /** Drops the socket at once (slow or dead client). */
  terminate(_why: DropReason): void {
    this.markClosed();
    this.ws.terminate();
  }

  ping(): void {
    this.alive = false;
    this.ws.ping();
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.subs.values()) sub.abort.abort();
  }
}
