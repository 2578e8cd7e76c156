/**
 * A NIP-86 relay-management client for operators: signs a NIP-98 Authorization for the JSON-RPC
 * body with an admin key and POSTs it to the relay's public http(s) URL.
 *
 *   NOSTR_SECRET_KEY=nsec1… npx tsx scripts/nip86.ts https://relay.example.com banpubkey npub1… "key compromised"
 *   NOSTR_SECRET_KEY=nsec1… npx tsx scripts/nip86.ts https://relay.example.com listbannedpubkeys
 *
 * The URL must be the relay's public URL (server.url with wss→https), because the NIP-98 `u` tag
 * is checked against it. The admin key is read from the environment only, never from argv (shell
 * history, process lists). Prints the JSON answer; exits 0 on a result, 1 on an error.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { nip19 } from 'nostr-tools';
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';

/** A NIP-86 answer: `result`, or `error` with the HTTP status. */
export type Nip86Answer = { status: number; result?: unknown; error?: string };

function secretKey(raw: string | undefined): Uint8Array {
  if (!raw) throw new Error('set NOSTR_SECRET_KEY to the admin key (nsec1… or 64 hex)');
  if (raw.startsWith('nsec1')) {
    const decoded = nip19.decode(raw);
    if (decoded.type !== 'nsec') throw new Error('NOSTR_SECRET_KEY is not an nsec');
    return decoded.data;
  }
  if (!/^[0-9a-f]{64}$/i.test(raw)) throw new Error('NOSTR_SECRET_KEY must be nsec1… or 64 hex characters');
  return hexToBytes(raw.toLowerCase());
}

/** npub → hex for pubkey parameters; anything else passes through. */
function param(value: string): string {
  return value.startsWith('npub1') ? (nip19.decode(value).data as string) : value;
}

/**
 * Calls one NIP-86 method on `url` as the admin whose secret key is `sk`. `signedUrl` is the URL
 * the NIP-98 event names (default `url`); it differs only when reaching the relay through another
 * address than its public one (a port-forward, a test).
 */
export async function callNip86(url: string, sk: Uint8Array, method: string, params: string[], signedUrl = url): Promise<Nip86Answer> {
  const body = JSON.stringify({ method, params: params.map(param) });
  const auth = finalizeEvent(
    {
      kind: 27235,
      created_at: Math.floor(Date.now() / 1000),
      content: '',
      tags: [
        ['u', signedUrl],
        ['method', 'POST'],
        ['payload', bytesToHex(sha256(new TextEncoder().encode(body)))],
      ],
    },
    sk,
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/nostr+json+rpc',
      authorization: `Nostr ${Buffer.from(JSON.stringify(auth)).toString('base64')}`,
    },
    body,
  });
  const text = await res.text();
  let parsed: { result?: unknown; error?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = { error: text.slice(0, 200) };
  }
  return { status: res.status, ...parsed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [url, method, ...params] = process.argv.slice(2);
  if (!url || !method) {
    console.error('usage: NOSTR_SECRET_KEY=nsec1… npx tsx scripts/nip86.ts <relay https url> <method> [params…]');
    process.exit(2);
  }
  try {
    const sk = secretKey(process.env.NOSTR_SECRET_KEY);
    console.error(`as admin ${nip19.npubEncode(getPublicKey(sk))}`);
    const answer = await callNip86(url, sk, method, params);
    console.log(JSON.stringify(answer, null, 2));
    process.exit(answer.error || answer.status !== 200 ? 1 : 0);
  } catch (err) {
    console.error(`nip86: ${(err as Error).message}`);
    process.exit(1);
  }
}
