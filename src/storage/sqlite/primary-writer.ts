import { toStorageError } from './errors.js';
import { isWriteAnswer, trySend, WRITE_CHANNEL, type PrimaryPort, type WriteCall } from './cluster-protocol.js';
import { WriteClient, type UnnumberedWriteRequest } from './write-client.js';
import type { WriteReply, WriteRequest } from './write-protocol.js';

type Pending = { resolve: (m: WriteReply) => void; reject: (err: unknown) => void };

/**
 * A cluster worker's event writes, sent to the primary, which owns the database file's one writer
 * (primary-writes.ts). The requests are the writer thread's own (write-client.ts encodes them); the
 * reply comes after the commit, so `OK true` still means committed. When the primary is gone, every
 * request in flight fails (`error`, nothing acknowledged) — the worker exits with it anyway.
 */
export class PrimaryWriter extends WriteClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly onMessage = (m: unknown): void => {
    if (!isWriteAnswer(m)) return;
    const p = this.pending.get(m.reply.id);
    this.pending.delete(m.reply.id);
    p?.resolve(m.reply);
  };
  private readonly onDisconnect = (): void => this.failAll();

  constructor(private readonly port: PrimaryPort) {
    super();
    port.on('message', this.onMessage);
    port.once('disconnect', this.onDisconnect);
  }

  protected request(req: UnnumberedWriteRequest): Promise<WriteReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Not transferred: IPC serializes the buffer into the pipe either way.
      const call: WriteCall = { ch: WRITE_CHANNEL, req: { ...req, id } as WriteRequest };
      if (!trySend(this.port, call)) {
        this.pending.delete(id);
        reject(toStorageError({ code: 'SQLITE_IOERR' }));
      }
    });
  }

  /** Stops listening; the engine waits for its writes in flight before it closes this. */
  async close(): Promise<void> {
    this.port.off('message', this.onMessage);
    this.port.off('disconnect', this.onDisconnect);
    this.failAll();
  }

  private failAll(): void {
    const error = toStorageError({ code: 'SQLITE_IOERR' });
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
