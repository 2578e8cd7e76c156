import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { verifyEvent } from 'nostr-tools/pure';
import { checkEventShape, firstTagValue, type NostrEvent } from '../nostr/event.js';
import { RelayError } from '../nostr/reasons.js';
import { ReplayCache } from './replay-cache.js';
import type { ReplayGuard } from './shared-replay.js';

/** NIP-98 HTTP auth event kind. */
export const HTTP_AUTH_KIND = 27235;
export type HTTP_AUTH_KIND = typeof HTTP_AUTH_KIND;

/** How far a NIP-98 event's created_at may be from now, in seconds (NIP-98 suggests 60). */
export const HTTP_AUTH_WINDOW_SECONDS = 60;

/** The request a NIP-98 header is checked against. */
export type HttpAuthRequest = {
  /** The absolute request URL as the client sees it (public http(s) origin + path + query). */
  url: string;
  /** Other spellings of the same URL that `u` may use (NIP-86 clients may sign the relay's ws(s) URL). */
  alsoUrls?: readonly string[];
  /** HTTP method, any case. */
  method: string;
  /** The raw request body; when present and non-empty the event must carry its sha256 as `payload`. */
  body?: Buffer;
  /** Unix seconds now. */
  nowSeconds: number;
  /** Where seen event ids are remembered; defaults to one cache shared by the process. */
  replay?: ReplayGuard;
  /**
   * The caller states that the request only reads (NIP-86 `supportedmethods` and `list*`, REST
   * routes that change nothing). Its token may then be used again from the same `ip` within its
   * validity window (mayReuse); otherwise, the default, a token is strictly single use.
   */
  isRead?: boolean;
  /** The client IP of the request (see src/http/client-ip.ts); a read token is reusable only from it. */
  ip?: string;
};

/** How long a used NIP-98 event id is remembered: twice the window, so a token is stale before its id is forgotten. */
export const HTTP_AUTH_REPLAY_TTL_SECONDS = HTTP_AUTH_WINDOW_SECONDS * 2;

const defaultReplay = new ReplayCache(HTTP_AUTH_REPLAY_TTL_SECONDS);

const REUSED_WRITE_TOKEN = 'auth event was already used: tokens of state-changing calls are single use, sign a new one';
const REUSED_READ_TOKEN = 'auth event was already used: a read token may be used again only by the same client (IP) within its validity window';

/** The ws(s) spelling of an http(s) URL (https→wss, http→ws); other schemes unchanged. */
export function relayWsUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.href;
}

/**
 * The public http(s) URL of the relay, derived from server.url: ws→http, wss→https, same host,
 * port and path. NIP-86 requests go to this URL.
 */
export function relayHttpUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  return url.href;
}

function sameUrl(a: string, b: string): boolean {
  try {
    // Parsing lowercases scheme and host, drops default ports and gives an empty path its '/'.
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

function unpack(header: string | undefined): NostrEvent | string {
  if (!header) return 'missing Authorization header';
  const match = /^Nostr\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return 'Authorization must be "Nostr <base64 event>"';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(match[1] as string, 'base64').toString('utf8'));
  } catch {
    return 'Authorization token is not base64 JSON';
  }
  const problem = checkEventShape(parsed);
  return problem ?? (parsed as NostrEvent);
}

function checkTags(ev: NostrEvent, req: HttpAuthRequest): string | undefined {
  if (ev.kind !== HTTP_AUTH_KIND) return `auth event must be kind ${HTTP_AUTH_KIND}`;
  if (Math.abs(ev.created_at - req.nowSeconds) > HTTP_AUTH_WINDOW_SECONDS) {
    return `auth event created_at must be within ${HTTP_AUTH_WINDOW_SECONDS}s of now`;
  }
  const u = firstTagValue(ev, 'u');
  if (u === undefined || ![req.url, ...(req.alsoUrls ?? [])].some((url) => sameUrl(u, url))) {
    return 'u tag does not match the request URL';
  }
  const method = firstTagValue(ev, 'method');
  if (method === undefined || method.toUpperCase() !== req.method.toUpperCase()) {
    return 'method tag does not match the request method';
  }
  if (req.body && req.body.length > 0) {
    const payload = firstTagValue(ev, 'payload');
    if (payload === undefined) return 'payload tag is required with a request body';
    if (payload.toLowerCase() !== bytesToHex(sha256(req.body))) return 'payload tag does not match the body';
  }
  return undefined;
}

/**
 * NIP-98: checks an `Authorization: Nostr <base64 kind 27235 event>` header against the request.
 * Verifies id and signature, `u` (the absolute URL), `method`, created_at within 60 s, and the
 * `payload` sha256 when a body is present; refuses an event id already used (replay), except a
 * read's token used again by the same IP (`isRead`, `ip`; see mayReuse). Returns the
 * authenticated pubkey, or a RelayError: `auth-required`, or `error` when the replay store could
 * not be reached (never rejects).
 */
export async function checkHttpAuth(header: string | undefined, req: HttpAuthRequest): Promise<string | RelayError> {
  const ev = unpack(header);
  if (typeof ev === 'string') return new RelayError('auth-required', ev);
  const problem = checkTags(ev, req);
  if (problem) return new RelayError('auth-required', problem);
  // verifyEvent recomputes the id and checks the signature; it caches its verdict on the object, so copy.
  if (!verifyEvent({ ...ev })) return new RelayError('auth-required', 'auth event id or signature is invalid');
  // Remember only verified ids: a forged event must not be able to block a real one.
  let firstUse: boolean;
  try {
    firstUse = await (req.replay ?? defaultReplay).remember(ev.id, req.nowSeconds, { ip: req.ip ?? '', isRead: req.isRead === true });
  } catch {
    // Fail closed: without the shared record a replay on another instance could not be told apart.
    return new RelayError('error', 'could not check the authorization token, try again');
  }
  if (!firstUse) return new RelayError('auth-required', req.isRead ? REUSED_READ_TOKEN : REUSED_WRITE_TOKEN);
  return ev.pubkey;
}
