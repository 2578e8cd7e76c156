/**
 * Issue 16, item 4: NIP-98 tokens of reads may be used again by the same client within their
 * validity window (nostr-tools' getToken, used by applesauce's relay management, signs identical
 * tokens for the same read within a second); tokens of state-changing calls stay single use, and a
 * token replayed from another IP is refused. Driven over real HTTP against a running relay whose
 * client IP comes from X-Forwarded-For (trust_proxy), so two IPs can be told apart.
 */
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayHttpUrl } from '../../src/auth/nip98.js';
import { startTestRelay, TEST_RELAY_URL, type TestRelay } from '../harness.js';
import { identity } from '../helpers.js';

const [admin, member, target] = [identity(), identity(), identity()];
const PUBLIC_HTTP = relayHttpUrl(TEST_RELAY_URL);
const WRITE_ONCE = /^auth-required: auth event was already used: tokens of state-changing calls are single use/;

describe('NIP-98 token reuse', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay({
      overrides: { server: { trust_proxy: true }, auth: { required: true, allowlist: [member.pk], admin_pubkeys: [admin.pk] } },
    });
  });
  afterAll(async () => relay?.stop());

  async function rpcToken(method: string, params: unknown[] = []) {
    const body = { method, params };
    return { body, token: await getToken(PUBLIC_HTTP, 'POST', (e) => finalizeEvent(e, admin.sk), true, body) };
  }

  async function rpc(token: string, body: object, ip: string) {
    const res = await fetch(`${relay.httpUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/nostr+json+rpc', authorization: token, 'x-forwarded-for': ip },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as { result: unknown; error?: string } };
  }

  it('NIP-86 reads: the same token twice from the same client → 200 both times', async () => {
    for (const method of ['supportedmethods', 'listallowedpubkeys', 'listbannedpubkeys', 'listbannedevents']) {
      const { body, token } = await rpcToken(method);
      expect((await rpc(token, body, '10.0.0.1')).status, method).toBe(200);
      const again = await rpc(token, body, '10.0.0.1');
      expect(again.status, method).toBe(200);
      expect(again.json.error).toBeUndefined();
    }
  });

  it('NIP-86 read token replayed from another IP → 401', async () => {
    const { body, token } = await rpcToken('listallowedpubkeys');
    expect((await rpc(token, body, '10.0.0.1')).status).toBe(200);
    const stolen = await rpc(token, body, '10.0.0.2');
    expect(stolen.status).toBe(401);
    expect(stolen.json.error).toMatch(/^auth-required: auth event was already used: a read token may be used again only by the same client/);
  });

  it('NIP-86 state-changing call: the same token twice → the second is 401, single use, nothing done twice', async () => {
    const { body, token } = await rpcToken('banpubkey', [target.pk]);
    expect((await rpc(token, body, '10.0.0.1')).status).toBe(200);
    const { body: unbanBody, token: unbanToken } = await rpcToken('unbanpubkey', [target.pk]);
    expect((await rpc(unbanToken, unbanBody, '10.0.0.1')).status).toBe(200);
    const replay = await rpc(token, body, '10.0.0.1');
    expect(replay.status).toBe(401);
    expect(replay.json.error).toMatch(WRITE_ONCE);
    const banned = await rpc((await rpcToken('listbannedpubkeys')).token, { method: 'listbannedpubkeys', params: [] }, '10.0.0.1');
    expect(banned.json.result).toEqual([]);
  });

  async function rest(method: 'GET' | 'POST', path: string, token: string, ip: string) {
    const res = await fetch(`${relay.httpUrl}${path}`, { method, headers: { authorization: token, 'x-forwarded-for': ip } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('MLS gateway REST: a read GET token works twice from one client, not from another; an ack (a write) is single use', async () => {
    const path = `/api/v1/mls/keypackages?owner=${member.pk}`;
    const read = await getToken(`${PUBLIC_HTTP.replace(/\/$/, '')}${path}`, 'GET', (e) => finalizeEvent(e, member.sk), true);
    expect((await rest('GET', path, read, '10.0.0.3')).status).toBe(200);
    expect((await rest('GET', path, read, '10.0.0.3')).status).toBe(200);
    expect((await rest('GET', path, read, '10.0.0.4')).status).toBe(401);

    const welcomes = '/api/v1/mls/welcomes';
    const list = await getToken(`${PUBLIC_HTTP.replace(/\/$/, '')}${welcomes}`, 'GET', (e) => finalizeEvent(e, member.sk), true);
    expect((await rest('GET', welcomes, list, '10.0.0.3')).json).toEqual({ welcomes: [], has_more: false });
    expect((await rest('GET', welcomes, list, '10.0.0.3')).status).toBe(200);

    const ackPath = `/api/v1/mls/welcomes/${'a'.repeat(64)}/ack`;
    const ack = await getToken(`${PUBLIC_HTTP.replace(/\/$/, '')}${ackPath}`, 'POST', (e) => finalizeEvent(e, member.sk), true);
    expect((await rest('POST', ackPath, ack, '10.0.0.3')).status).toBe(404); // authenticated; nothing to ack
    const again = await rest('POST', ackPath, ack, '10.0.0.3');
    expect(again.status).toBe(401);
    expect(`${String(again.json.error)}: ${String(again.json.message)}`).toMatch(WRITE_ONCE);
  });

  it('NIP-11 says which tokens may be used again', async () => {
    const res = await fetch(relay.httpUrl, { headers: { accept: 'application/nostr+json' } });
    const doc = (await res.json()) as { nip98?: Record<string, unknown> };
    expect(doc.nip98).toEqual({ window_seconds: 60, read_token_reuse: 'same_ip', write_token_reuse: false });
  });
});
