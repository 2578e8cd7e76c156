import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import type { NostrEvent, VerifiedEvent } from '../src/nostr/event.js';

/** A test identity: secret key and hex pubkey. */
export type Identity = { sk: Uint8Array; pk: string };

/** A fresh random identity. */
export function identity(): Identity {
  const sk = generateSecretKey();
  return { sk, pk: getPublicKey(sk) };
}

/** Builds and signs an event; defaults: kind 1, now, no tags, random content. */
export function signed(
  who: Identity,
  fields: Partial<Pick<NostrEvent, 'kind' | 'tags' | 'content' | 'created_at'>> = {},
): VerifiedEvent {
  const ev = finalizeEvent(
    {
      kind: fields.kind ?? 1,
      tags: fields.tags ?? [],
      content: fields.content ?? `hello ${Math.random()}`,
      created_at: fields.created_at ?? Math.floor(Date.now() / 1000),
    },
    who.sk,
  );
  return { id: ev.id, pubkey: ev.pubkey, created_at: ev.created_at, kind: ev.kind, tags: ev.tags, content: ev.content, sig: ev.sig } as VerifiedEvent;
}

/** Unix seconds now. */
export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Options of eventually: how long to wait, how often to look, and what is awaited (for the error). */
export type EventuallyOptions = { timeoutMs?: number; intervalMs?: number; what?: string };

/**
 * Waits until `check` holds (sync or async), looking again every `intervalMs` (default 10), and throws
 * after `timeoutMs` (default 3000). For state that has no event to listen to (a health endpoint, a
 * counter); where there is one, wait for the event instead.
 */
export async function eventually(check: () => boolean | Promise<boolean>, opts: EventuallyOptions = {}): Promise<void> {
  const { timeoutMs = 3000, intervalMs = 10, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
