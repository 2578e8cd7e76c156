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
