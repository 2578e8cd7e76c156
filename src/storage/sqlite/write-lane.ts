/**
 * Runs the writes of the relay's two write paths one after another: event batches (on the writer
 * thread) and kv group commits (on the main connection). SQLite allows one writer at a time; if
 * both started a transaction together, the main thread would sleep in SQLite's busy handler until
 * the writer thread committed. As every write starts on the main thread, queueing them here keeps
 * the event loop from ever waiting for the lock (other processes, e.g. an admin CLI, still can).
 */
export class WriteLane {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `write` after every write queued before it has settled; resolves or rejects with it. */
  run<T>(write: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(write);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every write queued so far has settled. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
