import type { NostrEvent } from './event.js';
import { topLevelElements } from './frame-elements.js';
import { formatReason, type Reason } from './reasons.js';

/** A client-to-relay message after the outer shape check; inner values are still untrusted. */
export type ClientMessage =
  | { verb: 'EVENT'; event: unknown }
  | { verb: 'REQ'; subId: unknown; filters: unknown[] }
  | { verb: 'COUNT'; subId: unknown; filters: unknown[] }
  | { verb: 'CLOSE'; subId: unknown }
  | { verb: 'AUTH'; event: unknown };

const NOT_JSON = 'could not parse message: not valid JSON';

/**
 * Parses one text frame. Returns the message or a problem text for a NOTICE.
 * Deep nesting and huge numbers are left to JSON.parse and the later shape checks.
 */
export function parseClientMessage(text: string): ClientMessage | string {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
  return clientMessage(msg);
}

/**
 * Parses a large REQ, COUNT or CLOSE frame from its bytes one top-level element at a time, so no
 * string as long as the frame is made (see LARGE_FRAME_BYTES): the same message or problem text as
 * parseClientMessage of the decoded frame. Undefined for anything else, to be parsed as text: EVENT
 * and AUTH need the frame's text anyway (the verify handoff), and a frame that is not a plain array
 * gets parseClientMessage's answer.
 */
export function parseLargeFrame(bytes: Buffer): ClientMessage | string | undefined {
  const elements = topLevelElements(bytes);
  const head = elements?.[0];
  if (!elements || !head) return undefined;
  try {
    const verb: unknown = JSON.parse(head.toString());
    if (verb !== 'REQ' && verb !== 'COUNT' && verb !== 'CLOSE') return undefined;
    return clientMessage([verb, ...elements.slice(1).map((element) => JSON.parse(element.toString()) as unknown)]);
  } catch {
    return NOT_JSON;
  }
}

function clientMessage(msg: unknown): ClientMessage | string {
  if (!Array.isArray(msg) || msg.length === 0 || typeof msg[0] !== 'string') {
    return 'could not parse message: expected a JSON array starting with a verb';
  }
  const verb = msg[0];
  switch (verb) {
    case 'EVENT':
      return msg.length === 2 ? { verb, event: msg[1] } : 'EVENT takes exactly one event';
    case 'AUTH':
      return msg.length === 2 ? { verb, event: msg[1] } : 'AUTH takes exactly one event';
    case 'REQ':
    case 'COUNT':
      return msg.length >= 2 ? { verb, subId: msg[1], filters: msg.slice(2) } : `${verb} needs a subscription id`;
    case 'CLOSE':
      return msg.length === 2 ? { verb, subId: msg[1] } : 'CLOSE takes exactly one subscription id';
    default:
      return `unknown message type ${JSON.stringify(verb.slice(0, 32))}`;
  }
}

/** `["OK", id, accepted, "prefix: message"]`. */
export function okFrame(id: string, accepted: boolean, why?: Reason): string {
  return JSON.stringify(['OK', id, accepted, why ? formatReason(why) : '']);
}

/** `["EVENT", subId, event]` built around an event already serialized once. */
export function eventFrame(subId: string, eventJson: string): string {
  return `["EVENT",${JSON.stringify(subId)},${eventJson}]`;
}

/** `["EOSE", subId]`. */
export function eoseFrame(subId: string): string {
  return JSON.stringify(['EOSE', subId]);
}

/** `["CLOSED", subId, "prefix: message"]`. */
export function closedFrame(subId: string, why: Reason): string {
  return JSON.stringify(['CLOSED', subId, formatReason(why)]);
}

/** `["NOTICE", message]`. */
export function noticeFrame(message: string): string {
  return JSON.stringify(['NOTICE', message]);
}

/** `["AUTH", challenge]`. */
export function authChallengeFrame(challenge: string): string {
  return JSON.stringify(['AUTH', challenge]);
}

/** `["COUNT", subId, {"count": n}]`. */
export function countFrame(subId: string, count: number, approximate = false): string {
  return JSON.stringify(['COUNT', subId, approximate ? { count, approximate } : { count }]);
}

/** JSON text already known for an event object (see rememberJson); weak, so it goes with the event. */
const knownJson = new WeakMap<NostrEvent, string>();

/**
 * Records `json` as the serialization of `ev`, so serializeEvent returns it instead of serializing
 * again: a store attaches the text it stored (or read), and every subscriber frame reuses it. The
 * caller guarantees `json` is what serializeEvent would produce (the seven fields, this order) and
 * that `ev` is not mutated afterwards (events are immutable once verified or read).
 */
export function rememberJson(ev: NostrEvent, json: string): void {
  knownJson.set(ev, json);
}

/** The JSON recorded for `ev` by rememberJson, if any (nothing is serialized). */
export function rememberedJson(ev: NostrEvent): string | undefined {
  return knownJson.get(ev);
}

/** The serialization sent to subscribers: only the seven NIP-01 fields, in a stable order. */
export function serializeEvent(ev: NostrEvent): string {
  const known = rememberedJson(ev);
  if (known !== undefined) return known;
  return JSON.stringify({
    id: ev.id,
    pubkey: ev.pubkey,
    created_at: ev.created_at,
    kind: ev.kind,
    tags: ev.tags,
    content: ev.content,
    sig: ev.sig,
  });
}
