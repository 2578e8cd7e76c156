import type { WriteReply, WriteRequest } from './write-protocol.js';

/**
 * The IPC messages of a relay cluster on SQLite (README "Operations"): workers send their event
 * writes to the primary, which owns the file's one writer, and the primary tells the other workers
 * what each batch committed. The write messages carry write-protocol.ts's requests and replies as
 * they are (a batch is the same newline-joined JSON buffer the writer thread takes); node:cluster
 * must use `serialization: 'advanced'` so the buffer crosses as bytes, not as JSON.
 */
export const WRITE_CHANNEL = 'mls-relay:sqlite-write';
export const FEED_CHANNEL = 'mls-relay:sqlite-feed';
export const TURN_CHANNEL = 'mls-relay:sqlite-turn';

/** Worker → primary: one write request, numbered by the worker. */
export type WriteCall = { ch: typeof WRITE_CHANNEL; req: WriteRequest };
/** Primary → worker: the writer's reply to the worker's request of the same id. */
export type WriteAnswer = { ch: typeof WRITE_CHANNEL; reply: Exclude<WriteReply, { type: 'ready' }> };
/** Primary → every other worker: a committed batch and the indexes of its items that were stored. */
export type FeedBatch = { ch: typeof FEED_CHANNEL; batch: Uint8Array; saved: number[] };

/**
 * The file's write turn (write-turns.ts): a worker asks for it before a kv commit on its own
 * connection (`take`), the primary answers with the same id when every write queued before has
 * committed, and the worker gives it back after its commit (`give`).
 */
export type TurnCall = { ch: typeof TURN_CHANNEL; id: number; op: 'take' | 'give' };
export type TurnGrant = { ch: typeof TURN_CHANNEL; id: number };

export function isTurnCall(m: unknown): m is TurnCall {
  return onChannel(m, TURN_CHANNEL) && Number.isSafeInteger(m.id) && (m.op === 'take' || m.op === 'give');
}

export function isTurnGrant(m: unknown): m is TurnGrant {
  return onChannel(m, TURN_CHANNEL) && Number.isSafeInteger(m.id) && m.op === undefined;
}

/** Both ends of an IPC channel: a cluster worker's `process`, or the primary's handle of one worker. */
export interface IpcPort {
  /**
   * Queues a message. Node returns false both when the channel is closed and when its backlog is
   * large (the message is then still queued and delivered): only `isConnected` tells the two apart.
   */
  send(message: unknown): boolean;
  /** False once the channel is closed (the other end exited or disconnected). */
  isConnected(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** A worker's end of its channel to the primary (its `process`): it also hears the primary go away. */
export type PrimaryPort = IpcPort & {
  once(event: 'disconnect', listener: () => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
};

/** True for a message of channel `ch` (every cluster message names its channel). */
export function onChannel(m: unknown, ch: string): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && (m as { ch?: unknown }).ch === ch;
}

const REQUEST_TYPES = new Set(['save', 'remove', 'purge', 'cap-pages']);

/**
 * A worker's write request: the primary checks its envelope and a batch's shape; the writer
 * (write-handler.ts) answers `failed` for a body it cannot read (bad JSON, a bad deletion).
 */
export function isWriteCall(m: unknown): m is WriteCall {
  if (!onChannel(m, WRITE_CHANNEL)) return false;
  const req = m.req as { id?: unknown; type?: unknown; batch?: unknown; deletions?: unknown; rules?: unknown } | undefined;
  if (typeof req !== 'object' || req === null || !Number.isSafeInteger(req.id) || !REQUEST_TYPES.has(req.type as string)) return false;
  return req.type !== 'save' || (req.batch instanceof Uint8Array && Array.isArray(req.deletions) && Array.isArray(req.rules));
}

/** Answers a request the primary will not relay (see isWriteCall), when it carries an id to answer. */
export function refusedCall(m: unknown): WriteAnswer | undefined {
  if (!onChannel(m, WRITE_CHANNEL)) return undefined;
  const id = (m.req as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? { ch: WRITE_CHANNEL, reply: { type: 'failed', id } } : undefined;
}

export function isWriteAnswer(m: unknown): m is WriteAnswer {
  if (!onChannel(m, WRITE_CHANNEL)) return false;
  const reply = m.reply as { id?: unknown } | undefined;
  return typeof reply === 'object' && reply !== null && Number.isSafeInteger(reply.id);
}

export function isFeedBatch(m: unknown): m is FeedBatch {
  return onChannel(m, FEED_CHANNEL) && m.batch instanceof Uint8Array && Array.isArray(m.saved);
}

/** Sends on a port whose other end may have exited; false when the message could not be sent. */
export function trySend(port: IpcPort, message: unknown): boolean {
  if (!port.isConnected()) return false;
  try {
    // false here means a backlog, not a loss: the message is queued (see IpcPort.send).
    port.send(message);
    return true;
  } catch {
    return false;
  }
}
