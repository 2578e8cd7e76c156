/**
 * End-to-end support: starts the real relay (its registry loads the MLS gateway), and authenticated
 * raw clients (NIP-42) that see every OK, CLOSED and EVENT frame.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { finalizeEvent } from 'nostr-tools/pure';
import { decodeMlsMessage, type KeyPackage } from 'ts-mls';
import { decodeKeyPackage } from 'ts-mls/keyPackage.js';
import { RawClient, startTestRelay, TEST_RELAY_URL, type TestRelay } from '../harness.js';
import { now, signed, type Identity } from '../helpers.js';

/** The store a gateway relay runs on. */
export type Backend = 'sqlite' | 'firestore';

/**
 * Starts a relay with auth required, `allowed` on the allowlist and the gateway's `mls_gateway` section,
 * on SQLite or on the Firestore emulator (a fresh project per relay).
 */
export async function startGatewayRelay(allowed: Identity[], section: Record<string, unknown>, backend: Backend = 'sqlite'): Promise<TestRelay> {
  // Loaded only for Firestore: the emulator is the firestore project's, and its module refuses other projects.
  const { emulatorHost, freshProjectId } = backend === 'firestore' ? await import('../storage/firestore-env.js') : { emulatorHost: null, freshProjectId: () => '' };
  if (backend === 'firestore') {
    if (!emulatorHost) throw new Error('no Firestore emulator');
    // The driver honours FIRESTORE_EMULATOR_HOST, as it does on an operator's machine.
    process.env.FIRESTORE_EMULATOR_HOST = emulatorHost;
  }
  const storage = backend === 'firestore' ? { storage: { backend: 'firestore', firestore: { project_id: freshProjectId('gw') } } } : {};
  return startTestRelay({
    overrides: {
      ...storage,
      auth: { required: true, allowlist: allowed.map((a) => a.pk) },
      extensions: { enabled: ['mls-gateway'] },
      mls_gateway: section,
      rate_limits: { keypackages_per_hour: 0, events_per_minute: 0, group_messages_per_minute: 0 },
    },
  });
}

/** A raw client authenticated as `who` (NIP-42). */
export async function authedClient(url: string, who: Identity): Promise<RawClient> {
  const client = await RawClient.open(url);
  const challengeFrame = await client.next((m) => m[0] === 'AUTH');
  const auth = signed(who, {
    kind: 22242,
    content: '',
    tags: [
      ['relay', TEST_RELAY_URL],
      ['challenge', challengeFrame[1] as string],
    ],
    created_at: now(),
  });
  const ok = await client.request(['AUTH', auth], (m) => m[0] === 'OK' && m[1] === auth.id);
  if (ok[2] !== true) throw new Error(`AUTH refused: ${String(ok[3])}`);
  return client;
}

/** The OK frame of a publish as { ok, message }. */
export async function publish(client: RawClient, ev: { id: string }): Promise<{ ok: boolean; message: string }> {
  const frame = await client.publish(ev);
  return { ok: frame[2] === true, message: String(frame[3] ?? '') };
}

/**
 * Decodes the KeyPackage a 443/30443 event carries, in either framing (an MLSMessage, or a bare
 * KeyPackage as MDK and marmot-ts 0.5 publish it), as clients that read both generations do.
 */
export function keyPackageFromEvent(ev: { content: string; tags: string[][] }): KeyPackage {
  const encoding = ev.tags.find((t) => t[0] === 'encoding')?.[1] ?? 'base64';
  const bytes = new Uint8Array(Buffer.from(ev.content, encoding === 'hex' ? 'hex' : 'base64'));
  const framed = decodeMlsMessage(bytes, 0);
  if (framed && framed[1] === bytes.length && framed[0].wireformat === 'mls_key_package') return framed[0].keyPackage;
  const bare = decodeKeyPackage(bytes, 0);
  if (bare && bare[1] === bytes.length) return bare[0];
  throw new Error('not a KeyPackage');
}

/** Events frames received on `subId` after message index `from`. */
export function eventsOn(client: RawClient, subId: string, from = 0): Record<string, unknown>[] {
  return client.messages
    .slice(from)
    .filter((m) => m[0] === 'EVENT' && m[1] === subId)
    .map((m) => m[2] as Record<string, unknown>);
}

/**
 * A NIP-98 header for the relay's public URL. Built by hand with a nonce tag: two identical
 * requests within one second would otherwise sign the same event, which the relay refuses as a replay.
 */
export function nip98Header(who: Identity, url: string, method: string, body?: string): string {
  const tags = [['u', url], ['method', method], ['nonce', randomBytes(8).toString('hex')]];
  if (body) tags.push(['payload', bytesToHex(sha256(new TextEncoder().encode(body)))]);
  const ev = finalizeEvent({ kind: 27235, created_at: Math.floor(Date.now() / 1000), tags, content: '' }, who.sk);
  return `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
}

/** A call to the relay's MLS REST API, NIP-98 signed by `who` (unsigned when undefined). */
export async function restCall(
  relay: TestRelay,
  who: Identity | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = body ? JSON.stringify(body) : undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who) headers.authorization = nip98Header(who, `http://relay.test/api/v1/mls${path}`, method, text);
  const res = await fetch(`${relay.httpUrl}/api/v1/mls${path}`, { method, headers, ...(text ? { body: text } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
