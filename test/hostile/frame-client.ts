/** Sends hostile frames on a raw socket and collects exactly the replies each one caused. */
import WebSocket from 'ws';
import { RawClient, waitFor } from '../harness.js';
import type { Expectation, HostileCase } from './corpus/frames.js';

/** What one frame produced: the reply frames, or the close code if the relay hung up. */
export type Outcome = { replies: unknown[][]; closeCode?: number };

let seq = 0;
/** Close code per socket (undefined while open): one listener per socket, not one per case. */
const closeCodes = new WeakMap<WebSocket, number | undefined>();

/**
 * Sends one case then a sentinel COUNT; the relay handles a connection's frames in order, so the
 * frames before the sentinel's answer are the replies to the case. A socket closed by the relay
 * ends the wait with its close code.
 */
export async function sendCase(client: RawClient, c: HostileCase, timeoutMs = 15_000): Promise<Outcome> {
  const from = client.messages.length;
  if (!closeCodes.has(client.ws)) client.ws.once('close', (code) => closeCodes.set(client.ws, code));
  closeCodes.set(client.ws, closeCodes.get(client.ws));
  client.ws.send(c.data, { binary: c.binary === true });
  const sentinel = `sentinel-${++seq}`;
  if (client.ws.readyState === WebSocket.OPEN) client.send(['COUNT', sentinel, { ids: [] }]);
  await waitFor(
    () => closeCodes.get(client.ws) !== undefined || client.messages.slice(from).some((m) => m[0] === 'COUNT' && m[1] === sentinel),
    timeoutMs,
  );
  const replies = client.messages.slice(from).filter((m) => !(m[0] === 'COUNT' && m[1] === sentinel));
  return { replies, closeCode: closeCodes.get(client.ws) };
}

/** Returns undefined when the outcome meets the expectation, else what went wrong. */
export function checkOutcome(expect: Expectation, out: Outcome): string | undefined {
  if ('disconnect' in expect) {
    return out.closeCode !== undefined && expect.disconnect.includes(out.closeCode)
      ? undefined
      : `expected close ${expect.disconnect.join('|')}, got ${out.closeCode ?? 'none'} and ${JSON.stringify(out.replies).slice(0, 200)}`;
  }
  if (out.closeCode !== undefined) return `connection closed (${out.closeCode})`;
  if ('silent' in expect) return out.replies.length === 0 ? undefined : `expected no reply, got ${JSON.stringify(out.replies).slice(0, 200)}`;
  const leaked = out.replies.find((m) => m[0] === 'EVENT');
  if (leaked) return `an EVENT came back: ${JSON.stringify(leaked).slice(0, 120)}`;
  const hit = out.replies.find((m) => {
    if (m[0] !== expect.verb) return false;
    if (expect.accepted !== undefined && m[2] !== expect.accepted) return false;
    if (expect.subId !== undefined && m[1] !== expect.subId) return false;
    const text = String(m[0] === 'NOTICE' ? m[1] : m[0] === 'OK' ? m[3] : m[2]);
    return expect.prefix === undefined || text.startsWith(`${expect.prefix}: `);
  });
  return hit ? undefined : `expected ${expect.verb} ${expect.prefix ?? ''}, got ${JSON.stringify(out.replies).slice(0, 200)}`;
}
