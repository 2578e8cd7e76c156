import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { AccessControl } from '../../src/auth/access-control.js';
import { authMetrics } from '../../src/auth/metrics.js';
import { ReplayCache } from '../../src/auth/replay-cache.js';
import { nip86Plugin, NIP86_CONTENT_TYPE } from '../../src/http/nip86.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { identity, type Identity } from '../helpers.js';

const HTTP_URL = 'https://relay.example.com/';
const [admin, member, target] = [identity(), identity(), identity()];

describe('NIP-86 management API', () => {
  let storage: Storage;
  let access: AccessControl;
  let app: FastifyInstance;
  let registry: Registry;
  let removed: string[];

  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    registry = new Registry();
    const metrics = authMetrics(registry);
    access = await AccessControl.create({ kv: storage.kv, allowlist: [member.pk], admins: [admin.pk], logger: pino({ level: 'silent' }), metrics });
    removed = [];
    app = Fastify();
    await app.register(nip86Plugin, {
      access,
      relayHttpUrl: HTTP_URL,
      logger: pino({ level: 'silent' }),
      metrics,
      replay: new ReplayCache(120),
      onBanEvent: (id) => void removed.push(id),
    });
    // A sibling route with the default JSON parser: the plugin's parser must not leak to it.
    app.post('/other', async (req) => ({ got: req.body }));
  });
  afterEach(async () => {
    await app.close();
    await storage.close();
  });

  async function call(who: Identity | undefined, method: string, params: unknown[] = [], url = HTTP_URL) {
    const body = { method, params };
    const headers: Record<string, string> = { 'content-type': NIP86_CONTENT_TYPE };
    if (who) headers.authorization = await getToken(url, 'POST', (e) => finalizeEvent(e, who.sk), true, body);
    const res = await app.inject({ method: 'POST', url: '/', headers, payload: JSON.stringify(body) });
    return { status: res.statusCode, json: res.json() as { result: unknown; error?: string } };
  }

  it('401 without NIP-98, 403 for a non-admin, 401 for a token for another URL', async () => {
    const anon = await call(undefined, 'supportedmethods');
    expect(anon.status).toBe(401);
    expect(anon.json.error).toMatch(/^auth-required: /);
    const notAdmin = await call(member, 'banpubkey', [target.pk]);
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.json.error).toMatch(/^restricted: /);
    expect(access.isBanned(target.pk)).toBe(false);
    expect((await call(admin, 'supportedmethods', [], 'https://other.example.com/')).status).toBe(401);
    expect((await call(admin, 'supportedmethods', [], 'wss://other.example.com/')).status).toBe(401);
    // The relay's own ws(s) spelling is accepted as `u` (NIP-86 lives on the websocket URI).
    expect((await call(admin, 'supportedmethods', [], 'wss://relay.example.com')).status).toBe(200);
    expect(await registry.getSingleMetricAsString('nostr_relay_auth_failures_total')).toContain('reason="nip86-not-admin"} 1');
  });

  it('refuses a body that does not match the signed payload', async () => {
    const token = await getToken(HTTP_URL, 'POST', (e) => finalizeEvent(e, admin.sk), true, { method: 'supportedmethods', params: [] });
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': NIP86_CONTENT_TYPE, authorization: token },
      payload: JSON.stringify({ method: 'banpubkey', params: [target.pk] }),
    });
    expect(res.statusCode).toBe(401);
    expect(access.isBanned(target.pk)).toBe(false);
  });

  it('supportedmethods lists what the relay answers', async () => {
    const res = await call(admin, 'supportedmethods');
    expect(res.status).toBe(200);
    expect(res.json.result).toEqual(expect.arrayContaining(['allowpubkey', 'banpubkey', 'listallowedpubkeys', 'listbannedpubkeys', 'banevent', 'listbannedevents', 'unbanpubkey', 'allowevent']));
  });

  it('allowpubkey / listallowedpubkeys / unallowpubkey', async () => {
    expect((await call(admin, 'allowpubkey', [target.pk, 'new member'])).json).toEqual({ result: true });
    expect(access.isAllowed(target.pk)).toBe(true);
    const listed = (await call(admin, 'listallowedpubkeys')).json.result as { pubkey: string; reason?: string }[];
    expect(listed).toEqual(expect.arrayContaining([{ pubkey: target.pk, reason: 'new member' }, { pubkey: member.pk, reason: 'config file' }]));
    expect((await call(admin, 'unallowpubkey', [target.pk])).json.result).toBe(true);
    expect(access.isAllowed(target.pk)).toBe(false);
    // A pubkey on the config file cannot be removed through the API: the caller is told so.
    const fromFile = await call(admin, 'unallowpubkey', [member.pk]);
    expect(fromFile.status).toBe(400);
    expect(fromFile.json.error).toContain('config file');
    expect(access.isAllowed(member.pk)).toBe(true);
  });

  it('banpubkey revokes at once, persists, and unbanpubkey lifts it', async () => {
    const revoked: string[] = [];
    access.onRevoked((pk) => revoked.push(pk));
    expect((await call(admin, 'banpubkey', [member.pk, 'compromised'])).json.result).toBe(true);
    expect(revoked).toEqual([member.pk]);
    expect(access.isAllowed(member.pk)).toBe(false);
    expect((await call(admin, 'listbannedpubkeys')).json.result).toEqual([{ pubkey: member.pk, reason: 'compromised' }]);
    const again = await AccessControl.create({ kv: storage.kv, allowlist: [member.pk], admins: [], logger: pino({ level: 'silent' }) });
    expect(again.isBanned(member.pk)).toBe(true);
    expect((await call(admin, 'unbanpubkey', [member.pk])).json.result).toBe(true);
    expect(access.isAllowed(member.pk)).toBe(true);
    expect(await registry.getSingleMetricAsString('nostr_relay_bans_total')).toContain('nostr_relay_bans_total 1');
  });

  it('banevent calls onBanEvent, listbannedevents, allowevent', async () => {
    const id = 'ab'.repeat(32);
    expect((await call(admin, 'banevent', [id, 'abuse'])).json.result).toBe(true);
    expect(removed).toEqual([id]);
    expect(access.isEventBanned(id)).toBe(true);
    expect((await call(admin, 'listbannedevents')).json.result).toEqual([{ id, reason: 'abuse' }]);
    expect((await call(admin, 'allowevent', [id])).json.result).toBe(true);
    expect(access.isEventBanned(id)).toBe(false);
  });

  it('400 for bad params, unknown methods and malformed bodies', async () => {
    const bad = await call(admin, 'banpubkey', ['nope']);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^invalid: params\[0\]/);
    const unknown = await call(admin, 'changerelayname', ['x']);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^unsupported: /);
    const wrongType = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(wrongType.statusCode).toBe(415);
  });

  it('a replayed admin request is refused', async () => {
    const body = JSON.stringify({ method: 'banpubkey', params: [target.pk] });
    const token = await getToken(HTTP_URL, 'POST', (e) => finalizeEvent(e, admin.sk), true, JSON.parse(body));
    const send = () =>
      app.inject({ method: 'POST', url: '/', headers: { 'content-type': NIP86_CONTENT_TYPE, authorization: token }, payload: body });
    expect((await send()).statusCode).toBe(200);
    await access.unban(target.pk);
    const replay = await send();
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatch(/^auth-required: auth event was already used: tokens of state-changing calls are single use/);
    expect(access.isBanned(target.pk)).toBe(false);
  });

  it('does not change how sibling routes parse bodies', async () => {
    const res = await app.inject({ method: 'POST', url: '/other', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(res.json()).toEqual({ got: { a: 1 } });
  });
});
