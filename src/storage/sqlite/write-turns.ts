import { isTurnGrant, trySend, TURN_CHANNEL, type PrimaryPort, type TurnCall } from './cluster-protocol.js';
import { WriteLane } from './write-lane.js';

/**
 * A cluster worker's kv commits take turns with every other write to the file, the way a single
 * relay's WriteLane makes them take turns with its event batches: before committing on its own
 * connection the worker asks the primary for the file's turn and gives it back after. Without it the
 * commit waits for the write lock inside SQLite's busy handler, which sleeps the worker's event loop
 * (measured: workers spent most of their event loop there, the MLS gateway's observers writing the kv
 * for each group message). Turns queue on the primary's lane with the event batches it commits.
 * When the primary is gone the write runs anyway (busy_timeout still applies): its process is exiting.
 */
export class PrimaryTurns {
  private readonly local = new WriteLane();
  private readonly waiting = new Map<number, () => void>();
  private nextId = 1;
  private readonly onMessage = (m: unknown): void => {
    if (!isTurnGrant(m)) return;
    this.waiting.get(m.id)?.();
    this.waiting.delete(m.id);
  };
  private readonly onDisconnect = (): void => {
    for (const go of this.waiting.values()) go();
    this.waiting.clear();
  };

  constructor(private readonly port: PrimaryPort) {
    port.on('message', this.onMessage);
    port.once('disconnect', this.onDisconnect);
  }

  /** Runs `write` (synchronous: it must not wait on the primary) while this worker holds the file's turn. */
  run<T>(write: () => T | Promise<T>): Promise<T> {
    // One turn at a time per worker: the local lane orders this worker's own writes.
    return this.local.run(async () => {
      const id = this.nextId++;
      await new Promise<void>((granted) => {
        this.waiting.set(id, granted);
        if (!trySend(this.port, { ch: TURN_CHANNEL, id, op: 'take' } satisfies TurnCall)) this.onDisconnect();
      });
      try {
        return await write();
      } finally {
        trySend(this.port, { ch: TURN_CHANNEL, id, op: 'give' } satisfies TurnCall);
      }
    });
  }

  /** Resolves once the writes queued so far have settled. */
  idle(): Promise<void> {
    return this.local.idle();
  }

  /** Stops listening (after idle()). */
  close(): void {
    this.port.off('message', this.onMessage);
    this.port.off('disconnect', this.onDisconnect);
  }
}
