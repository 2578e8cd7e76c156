/**
 * WebSocket check for operators (the runbook's "can a client publish?"): connects, answers the
 * NIP-42 challenge with NOSTR_SECRET_KEY (an allowlisted key), publishes `--count` kind-1 events,
 * reads them back by id and prints one JSON line. Exit 0 when every event was acknowledged and read.
 *
 *   NOSTR_SECRET_KEY=nsec1… npx tsx scripts/ws-check.ts wss://relay.example.com [--count 1]
 *
 * Connect to a different address than the public one (a port-forward) with
 * `--public-url wss://relay.example.com`: the AUTH event's relay tag must name the public URL.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { nip19 } from 'nostr-tools';
import { finalizeEvent } from 'nostr-tools/pure';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { hexToBytes } from '@noble/hashes/utils.js';

useWebSocketImplementation(WebSocket);

/** What one check found. */
export type WsCheckResult = { connected: boolean; authenticated: boolean; acknowledged: number; readBack: number; error?: string };

function secretKey(raw: string): Uint8Array {
  if (raw.startsWith('nsec1')) return nip19.decode(raw).data as Uint8Array;
  return hexToBytes(raw);
}

/** Connects to `url`, authenticates as `sk`, publishes `count` events and reads them back. */
export async function wsCheck(url: string, sk: Uint8Array, count = 1, publicUrl = url): Promise<WsCheckResult> {
  const result: WsCheckResult = { connected: false, authenticated: false, acknowledged: 0, readBack: 0 };
  let relay: Relay | undefined;
  try {
    relay = await Relay.connect(url);
    result.connected = true;
    const deadline = Date.now() + 3000;
    while ((relay as unknown as { challenge?: string }).challenge === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await relay.auth(async (t) => finalizeEvent({ ...t, tags: t.tags.map((tag) => (tag[0] === 'relay' ? ['relay', publicUrl] : tag)) }, sk));
    result.authenticated = true;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const ev = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: `ws-check ${i + 1}/${count}` }, sk);
      await relay.publish(ev);
      result.acknowledged++;
      ids.push(ev.id);
    }
    result.readBack = await new Promise<number>((res) => {
      let n = 0;
      const sub = relay!.subscribe([{ ids }], { onevent: () => void n++, oneose: () => (sub.close(), res(n)) });
    });
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    relay?.close();
  }
  return result;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const url = args[0];
  const key = process.env.NOSTR_SECRET_KEY;
  if (!url || !key) {
    console.error('usage: NOSTR_SECRET_KEY=nsec1… npx tsx scripts/ws-check.ts <ws(s) url> [--count N] [--public-url wss://…]');
    process.exit(2);
  }
  const count = Number(flag(args, 'count') ?? '1');
  const r = await wsCheck(url, secretKey(key), count, flag(args, 'public-url') ?? url);
  console.log(JSON.stringify(r));
  process.exit(!r.error && r.acknowledged === count && r.readBack === count ? 0 : 1);
}
