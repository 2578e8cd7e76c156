import { randomBytes } from 'node:crypto';
import { firstTagValue, type NostrEvent } from '../nostr/event.js';
import { CLIENT_AUTH_KIND } from '../nostr/kinds.js';
import { ACCEPT, reject, type Decision } from '../nostr/reasons.js';

/** A fresh NIP-42 challenge: 16 random bytes as hex, unguessable and unique per connection. */
export function makeChallenge(): string {
  return randomBytes(16).toString('hex');
}

/** What a kind 22242 event is checked against. */
export type AuthEventExpectation = {
  /** The challenge this connection was sent. */
  challenge: string;
  /** The relay's public URL (server.url). */
  relayUrl: string;
  /** Unix seconds now. */
  nowSeconds: number;
  /** How far created_at may be from now, either way (auth.challenge_ttl_seconds; 600 by default). */
  ttlSeconds: number;
};

/**
 * Normalises a relay URL for comparison: scheme and host lowercased, default ports (80 for
 * ws/http, 443 for wss/https) dropped, a trailing slash ignored, fragment dropped. Undefined when
 * the text is not a URL.
 */
export function normalizeRelayUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  // WHATWG URL already lowercases scheme and host and drops the default port of ws, wss, http, https.
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

/**
 * Checks a NIP-42 AUTH event (kind 22242) whose id and signature the caller has already verified:
 * the `challenge` tag must equal the connection's challenge, the `relay` tag must name this relay
 * (after normalizeRelayUrl on both sides), and created_at must be within `ttlSeconds` of now.
 * Refusals use `auth-required:` (the client may retry with a good event), a wrong kind `invalid:`.
 */
export function checkAuthEvent(ev: NostrEvent, expect: AuthEventExpectation): Decision {
  if (ev.kind !== CLIENT_AUTH_KIND) return reject('invalid', `AUTH event must be kind ${CLIENT_AUTH_KIND}`);
  const challenge = firstTagValue(ev, 'challenge');
  if (challenge === undefined) return reject('auth-required', 'AUTH event has no challenge tag');
  if (challenge !== expect.challenge) return reject('auth-required', 'challenge does not match');
  const relay = firstTagValue(ev, 'relay');
  if (relay === undefined) return reject('auth-required', 'AUTH event has no relay tag');
  const wanted = normalizeRelayUrl(expect.relayUrl);
  if (wanted === undefined || normalizeRelayUrl(relay) !== wanted) {
    return reject('auth-required', 'relay tag does not name this relay');
  }
  if (Math.abs(ev.created_at - expect.nowSeconds) > expect.ttlSeconds) {
    return reject('auth-required', `created_at must be within ${expect.ttlSeconds}s of now`);
  }
  return ACCEPT;
}

/**
 * The check in the shape the session layer takes (RelayContext.checkAuthEvent): bound to this
 * relay's URL and TTL, returning the refusal text (without prefix) or undefined. A TTL function is
 * read on every check (auth.challenge_ttl_seconds reloads).
 */
export function authEventChecker(
  relayUrl: string,
  ttlSeconds: number | (() => number),
  clock: () => number = () => Math.floor(Date.now() / 1000),
): (ev: NostrEvent, challenge: string) => string | undefined {
  return (ev, challenge) => {
    const ttl = typeof ttlSeconds === 'function' ? ttlSeconds() : ttlSeconds;
    const decision = checkAuthEvent(ev, { challenge, relayUrl, nowSeconds: clock(), ttlSeconds: ttl });
    return decision.ok ? undefined : decision.reason.message;
  };
}
