import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { AccessControl } from '../../src/auth/access-control.js';
import { ReplayCache } from '../../src/auth/replay-cache.js';
import { httpAuthenticator } from '../../src/http/nip86.js';
import { RelayError } from '../../src/nostr/reasons.js';
import { openSqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { identity, type Identity } from '../helpers.js';

const [member, stranger] = [identity(), identity()];

describe('httpAuthenticator (NIP-98 for extension routes)', () => {
  let storage: Storage;
  let access: AccessControl;
  let app: FastifyInstance;
  beforeEach(async () => {
    storage = await openSqliteStorage({ path: ':memory:' });
    access = await AccessControl.create({ kv: storage.kv, allowlist: [member.pk], admins: [], logger: pino({ level: 'silent' }) });
    const auth = httpAuthenticator({ access, relayHttpUrl: 'https://relay.example.com/', required: true, replay: new ReplayCache(120) });
    app = Fastify();
    const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      try {
        return { pubkey: await auth(req) };
      } catch (err) {
        const e = err as RelayError;
        return reply.code(e.prefix === 'restricted' ? 403 : 401).send({ error: `${e.prefix}: ${e.message}` });
      }
    };
    app.get('/api/v1/thing', handler);
    app.post('/api/v1/thing', handler);
  });
  afterEach(async () => {
    await app.close();
    await storage.close();
  });

  const token = (who: Identity, url: string, method: string, body?: Record<string, unknown>) =>
    getToken(url, method, (e) => finalizeEvent(e, who.sk), true, body);

  it('accepts an allowlisted signer on GET with a query string', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/thing?x=1',
      headers: { authorization: await token(member, 'https://relay.example.com/api/v1/thing?x=1', 'GET') },
    });
    expect(res.json()).toEqual({ pubkey: member.pk });
  });

  it('accepts a JSON body signed with nostr-tools (payload of JSON.stringify(body))', async () => {
    const body = { hello: 'world' };
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/thing',
      headers: { 'content-type': 'application/json', authorization: await token(member, 'https://relay.example.com/api/v1/thing', 'POST', body) },
      payload: JSON.stringify(body),
    });
    expect(res.json()).toEqual({ pubkey: member.pk });
  });

  it('401 for a token signed for another path, 403 for a stranger or a banned member', async () => {
    const wrongPath = await app.inject({
      method: 'GET',
      url: '/api/v1/thing',
      headers: { authorization: await token(member, 'https://relay.example.com/api/v1/other', 'GET') },
    });
    expect(wrongPath.statusCode).toBe(401);
    const strangerRes = await app.inject({
      method: 'GET',
      url: '/api/v1/thing',
      headers: { authorization: await token(stranger, 'https://relay.example.com/api/v1/thing', 'GET') },
    });
    expect(strangerRes.statusCode).toBe(403);
    await access.ban(member.pk);
    const banned = await app.inject({
      method: 'GET',
      url: '/api/v1/thing',
      headers: { authorization: await token(member, 'https://relay.example.com/api/v1/thing', 'GET') },
    });
    expect(banned.statusCode).toBe(403);
  });
});
