import type { NostrEvent } from '../../nostr/event.js';
import { rememberJson } from '../../nostr/frames.js';
import { isFeedBatch, type IpcPort } from './cluster-protocol.js';
import { ITEM_SEPARATOR } from './write-protocol.js';

const decoder = new TextDecoder();

/**
 * Events committed by the other workers of a cluster (Storage.watchRemote on SQLite): the primary
 * forwards each committed batch with the indexes of its stored items, and each one is handed to
 * `onEvent` (the core's deliverRemote, which fans out once per id), carrying the JSON it was stored
 * as so sending it serializes nothing. Like the Firestore feed this carries stored events only:
 * an ephemeral event reaches the subscribers of the worker it was published on. Returns a stop function.
 */
export function watchClusterFeed(port: IpcPort, onEvent: (ev: NostrEvent) => void, isWanted: () => boolean = () => true): () => void {
  const listener = (m: unknown): void => {
    // Without a live subscription here nothing is decoded (up to 40 KB of JSON per gift wrap); see Storage.watchRemote.
    if (!isFeedBatch(m) || !isWanted()) return;
    const texts = decoder.decode(m.batch).split(ITEM_SEPARATOR);
    for (const i of m.saved) {
      const json = texts[i];
      if (json === undefined) continue;
      let ev: NostrEvent;
      try {
        ev = JSON.parse(json) as NostrEvent;
      } catch {
        continue; // the writer stored this very text, so it parses; a garbled message is dropped, never thrown
      }
      rememberJson(ev, json);
      onEvent(ev);
    }
  };
  port.on('message', listener);
  return () => port.off('message', listener);
}
