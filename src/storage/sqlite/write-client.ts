import type { DeletionRule } from '../../nostr/deletion.js';
import { rememberJson, serializeEvent } from '../../nostr/frames.js';
import type { DeletionRequest, SaveResult } from '../types.js';
import { toStorageError } from './errors.js';
import type { SaveItem } from './save-batch.js';
import { ITEM_SEPARATOR, type WriteReply, type WriteRequest } from './write-protocol.js';

const encoder = new TextEncoder();

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A write request before its channel numbers it. */
export type UnnumberedWriteRequest = DistributiveOmit<WriteRequest, 'id'>;

/**
 * The event writes of the SQLite store as write-protocol messages: encodes a batch once (the events'
 * JSON, joined, UTF-8) and maps the writer's reply to per-item results. Subclasses carry the messages
 * to the one writer of the file: the writer thread of this process (writer-thread.ts), or the cluster
 * primary's over IPC (primary-writer.ts). Either way a result arrives only after the commit.
 */
export abstract class WriteClient {
  /** Sends one request to the writer; rejects when the writer is gone (nothing of it is acknowledged). */
  protected abstract request(req: UnnumberedWriteRequest, transfer?: ArrayBuffer[]): Promise<WriteReply>;

  /** Stops after the requests already sent. */
  abstract close(): Promise<void>;

  /** Saves a batch in one transaction: one result per item, in order (see SqliteBatchSaver). */
  async save(items: SaveItem[]): Promise<SaveResult[]> {
    // The event's JSON is serialized once here; serializeEvent remembers it for the live fanout.
    const texts: string[] = [];
    const deletions: [number, DeletionRequest][] = [];
    const rules: [number, DeletionRule][] = [];
    items.forEach(({ event, deletion, mayDelete }, i) => {
      const json = serializeEvent(event);
      rememberJson(event, json);
      texts.push(json);
      if (deletion) deletions.push([i, deletion]);
      // The relay's Writer hands every item of a batch the same plain rule: cloned once per message.
      if (mayDelete && mayDelete.recipientKinds.length > 0) rules.push([i, mayDelete]);
    });
    const batch = encoder.encode(texts.join(ITEM_SEPARATOR));
    let reply: WriteReply;
    try {
      reply = await this.request({ type: 'save', batch, deletions, rules }, [batch.buffer as ArrayBuffer]);
    } catch (err) {
      const error = toStorageError(err);
      return items.map(() => ({ status: 'error', error }));
    }
    if (reply.type === 'failed') {
      const error = toStorageError({ code: reply.code });
      return items.map(() => ({ status: 'error', error }));
    }
    if (reply.type !== 'saved' || reply.outcomes.length !== items.length) throw new Error('event writer: unexpected reply');
    return reply.outcomes.map((o) => (typeof o === 'string' ? { status: o } : { status: 'error', error: toStorageError({ code: o.code }) }));
  }

  /** Removes events by id (no tombstones); returns how many. */
  async remove(ids: string[]): Promise<number> {
    return countOf(await this.request({ type: 'remove', ids }));
  }

  /** One purge step (see EventRemover.purgeStep). */
  async purgeStep(now: number, chunk: number): Promise<number> {
    return countOf(await this.request({ type: 'purge', now, chunk }));
  }

  /** Caps the file at `pages` on the writer's connection (a full disk, for tests and drills). */
  async capPages(pages: number): Promise<void> {
    countOf(await this.request({ type: 'cap-pages', pages }));
  }
}

function countOf(reply: WriteReply): number {
  if (reply.type === 'done') return reply.n;
  throw toStorageError({ code: reply.type === 'failed' ? reply.code : undefined });
}
