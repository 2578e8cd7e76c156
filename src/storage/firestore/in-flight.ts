/**
 * Operations still running against one Firestore client. Terminating the client while a read is
 * in flight makes the driver (8.7) raise an unhandled rejection from inside its retry loop, and
 * operations abandoned after our own deadline can keep retrying for minutes, so the client is
 * terminated only once they have settled.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Follows `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return work;
  }

  /** Number of operations not settled yet. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves when nothing is in flight (operations started meanwhile included). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
