import type { SaveResult } from '../types.js';
import type { EventWrites } from './engine.js';
import type { SaveItem } from './save-batch.js';
import type { WriteLane } from './write-lane.js';
import type { WriteClient } from './write-client.js';

/**
 * Event writes on the writer thread, or in a cluster worker on the primary's (both a WriteClient).
 * They wait their turn on the lane shared with the kv group commits on the relay's connection, so
 * neither path waits for SQLite's write lock (in a cluster, only for the other processes' writes).
 */
export class ThreadWrites implements EventWrites {
  constructor(
    private readonly writer: WriteClient,
    private readonly lane: WriteLane,
  ) {}

  save(items: SaveItem[]): Promise<SaveResult[]> {
    return this.lane.run(() => this.writer.save(items));
  }

  remove(ids: string[]): Promise<number> {
    return this.lane.run(() => this.writer.remove(ids));
  }

  purgeStep(now: number, chunk: number): Promise<number> {
    return this.lane.run(() => this.writer.purgeStep(now, chunk));
  }

  capPages(pages: number): Promise<void> {
    return this.lane.run(() => this.writer.capPages(pages));
  }

  /** Waits for the writes in flight, then stops the thread (a worker's client just stops listening). */
  async close(): Promise<void> {
    await this.lane.idle();
    await this.writer.close();
  }
}
