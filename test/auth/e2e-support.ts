/** Support for the auth end-to-end tests: NIP-42 on raw clients and signed NIP-86 calls to a running relay. */
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { relayHttpUrl } from '../../src/auth/nip98.js';
import { RawClient, TEST_RELAY_URL } from '../harness.js';
import { now, signed, type Identity } from '../helpers.js';

/** Sends AUTH as `who` on an open client; resolves to [accepted, message]. */
export async function authAs(client: RawClient, who: Identity): Promise<[boolean, string]> {
  const challenge = (await client.next((m) => m[0] === 'AUTH'))[1] as string;
  const ev = signed(who, { kind: 22242, content: '', created_at: now(), tags: [['relay', TEST_RELAY_URL], ['challenge', challenge]] });
  const ok = await client.request(['AUTH', ev], (m) => m[0] === 'OK' && m[1] === ev.id);
  return [ok[2] === true, String(ok[3] ?? '')];
}

/** Opens a raw client, authenticated as each of `who` (none: anonymous). Throws if an AUTH is refused. */
export async function clientAs(url: string, ...who: Identity[]): Promise<RawClient> {
  const client = await RawClient.open(url);
  for (const w of who) {
    const [ok, message] = await authAs(client, w);
    if (!ok) throw new Error(`AUTH refused: ${message}`);
  }
  return client;
}

/** Publishes and returns [accepted, message] of the OK frame. */
export async function publish(client: RawClient, ev: { id: string }): Promise<[boolean, string]> {
  const ok = await client.publish(ev);
  return [ok[2] === true, String(ok[3] ?? '')];
}

/** COUNT: resolves to the count, or the CLOSED message. */
export async function count(client: RawClient, subId: string, ...filters: unknown[]): Promise<number | string> {
  const reply = await client.request(['COUNT', subId, ...filters], (m) => (m[0] === 'COUNT' || m[0] === 'CLOSED') && m[1] === subId);
  return reply[0] === 'COUNT' ? (reply[2] as { count: number }).count : String(reply[2]);
}

/** A NIP-86 call signed with NIP-98 by `who`, sent to the relay's HTTP port; `u` is the public URL. */
export async function nip86(httpUrl: string, who: Identity, method: string, params: unknown[] = []) {
  const body = { method, params };
  const authorization = await getToken(relayHttpUrl(TEST_RELAY_URL), 'POST', (e) => finalizeEvent(e, who.sk), true, body);
  return nip86With(httpUrl, authorization, body);
}

/** Sends a NIP-86 call with a given Authorization header (to replay one token on purpose). */
export async function nip86With(httpUrl: string, authorization: string, body: { method: string; params: unknown[] }) {
  const res = await fetch(`${httpUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/nostr+json+rpc', authorization },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { result: unknown; error?: string } };
}

/** Gives a live subscription time to deliver (or not) after a publish: a round trip on the same socket. */
export async function settle(client: RawClient): Promise<void> {
  await client.req(`settle-${Math.random().toString(36).slice(2, 8)}`, { limit: 0 });
}
