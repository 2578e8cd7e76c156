// Realistic event shapes for the load: kind 445 group messages (~1–2 KB), 1059 gift wraps (4–40 KB), kind 1 notes.
import { randomBytes } from 'node:crypto';
import type { NostrEvent } from '../../src/nostr/event.js';
import { benchIdentity, signEvent, type BenchIdentity } from './sign.js';

/** Random base64 of `bytes` decoded bytes (MLS ciphertext stand-in). */
export function b64(bytes: number): string {
  return randomBytes(bytes).toString('base64');
}

/** Group ids used by the load (hex, as Marmot's nostr_group_id). */
export function groupId(i: number): string {
  return i.toString(16).padStart(64, '0');
}

/** Signers for 445 (throwaway keys, like Marmot): a fixed pool so signing does not derive a key per event. */
const ephemeral: BenchIdentity[] = Array.from({ length: 64 }, (_, i) => benchIdentity(`ephemeral-${i}`));

/**
 * The ingest mix, by index: 60% kind 445 (1–2 KB), 20% kind 1059 (4–40 KB) to one of `recipients`,
 * 20% kind 1 notes by `author`. Created_at within the last hour.
 */
export function mixedEvent(i: number, author: BenchIdentity, recipients: string[], groups = 100): NostrEvent {
  const created_at = Math.floor(Date.now() / 1000) - (i % 3600);
  const slot = i % 10;
  if (slot < 6) {
    return signEvent(ephemeral[i % ephemeral.length]!, {
      kind: 445,
      created_at,
      tags: [['h', groupId(i % groups)]],
      content: b64(768 + (i % 768)),
    });
  }
  if (slot < 8) {
    return signEvent(ephemeral[(i * 7) % ephemeral.length]!, {
      kind: 1059,
      created_at,
      tags: [['p', recipients[i % recipients.length]!]],
      content: b64(3 * 1024 + ((i * 2654435761) % (27 * 1024))),
    });
  }
  return signEvent(author, { kind: 1, created_at, tags: [], content: `note ${i} ${b64(96)}` });
}
