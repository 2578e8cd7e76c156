/**
 * The hostile HTTP corpus: NIP-86 calls and MLS gateway REST calls with bodies of the wrong shape
 * and NIP-98 headers that must not authenticate (replayed, for another URL or method, stale, forged).
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { finalizeEvent } from 'nostr-tools/pure';
import type { Identity } from '../../helpers.js';

/** How the Authorization header of a case is made. */
export type AuthMode =
  | 'valid'
  | 'none'
  | 'replayed'
  | 'other-url'
  | 'other-host'
  | 'other-method'
  | 'wrong-payload'
  | 'no-payload'
  | 'stale'
  | 'future'
  | 'kind-1'
  | 'forged-sig'
  | 'not-base64'
  | 'basic-scheme'
  | 'not-an-event'
  | 'huge';

/** One hostile HTTP request and the status it must get. */
export type HttpCase = {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  contentType?: string;
  auth: AuthMode;
  /** The status it must get; several when either refusal is right. */
  status: number | number[];
};

/** The public HTTP URL NIP-98 `u` tags must name (test relays claim ws://relay.test). */
export const PUBLIC_HTTP = 'http://relay.test';

const NIP86 = 'application/nostr+json+rpc';

function token(who: Identity, tags: string[][], fields: { kind?: number; created_at?: number } = {}): string {
  const ev = finalizeEvent({ kind: fields.kind ?? 27235, created_at: fields.created_at ?? Math.floor(Date.now() / 1000), tags, content: '' }, who.sk);
  return `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
}

/**
 * Builds the Authorization header for a case. `replayed` returns the header of a request already
 * made (the caller sends it twice); the others are wrong in exactly one way.
 */
export function authHeader(who: Identity, c: HttpCase): string | undefined {
  const url = `${PUBLIC_HTTP}${c.path}`;
  const nonce = ['nonce', randomBytes(8).toString('hex')];
  const payload = c.body ? [['payload', bytesToHex(sha256(new TextEncoder().encode(c.body)))]] : [];
  const good = [['u', url], ['method', c.method], nonce, ...payload];
  const now = Math.floor(Date.now() / 1000);
  switch (c.auth) {
    case 'none':
      return undefined;
    case 'valid':
    case 'replayed':
      return token(who, good);
    case 'other-url':
      return token(who, [['u', `${PUBLIC_HTTP}/api/v1/mls/elsewhere`], ['method', c.method], nonce, ...payload]);
    case 'other-host':
      return token(who, [['u', `https://evil.example${c.path}`], ['method', c.method], nonce, ...payload]);
    case 'other-method':
      return token(who, [['u', url], ['method', c.method === 'GET' ? 'DELETE' : 'GET'], nonce, ...payload]);
    case 'wrong-payload':
      return token(who, [['u', url], ['method', c.method], nonce, ['payload', 'ab'.repeat(32)]]);
    case 'no-payload':
      return token(who, [['u', url], ['method', c.method], nonce]);
    case 'stale':
      return token(who, good, { created_at: now - 3600 });
    case 'future':
      return token(who, good, { created_at: now + 3600 });
    case 'kind-1':
      return token(who, good, { kind: 1 });
    case 'forged-sig': {
      const ev = JSON.parse(Buffer.from(token(who, good).slice(6), 'base64').toString()) as { sig: string };
      return `Nostr ${Buffer.from(JSON.stringify({ ...ev, sig: 'c'.repeat(128) })).toString('base64')}`;
    }
    case 'not-base64':
      return 'Nostr %%%not-base64%%%';
    case 'basic-scheme':
      return `Basic ${Buffer.from('admin:admin').toString('base64')}`;
    case 'not-an-event':
      return `Nostr ${Buffer.from('{"kind":27235}').toString('base64')}`;
    case 'huge':
      return `Nostr ${'A'.repeat(6000)}`;
  }
}

const AUTH_FAILURES: AuthMode[] = [
  'none', 'replayed', 'other-url', 'other-host', 'other-method', 'wrong-payload', 'stale', 'future', 'kind-1',
  'forged-sig', 'not-base64', 'basic-scheme', 'not-an-event', 'huge',
];

function nip86Cases(): HttpCase[] {
  const call = (name: string, body: string, status: number, contentType = NIP86): HttpCase => ({ name: `NIP-86 ${name}`, method: 'POST', path: '/', body, contentType, auth: 'valid', status });
  const cases: HttpCase[] = [
    call('body not JSON', '{not json', 400),
    call('body is an array', '[]', 400),
    call('body is a string', '"allowpubkey"', 400),
    call('body is null', 'null', 400),
    call('method missing', '{"params":[]}', 400),
    call('method a number', '{"method":7,"params":[]}', 400),
    call('params an object', '{"method":"allowpubkey","params":{"0":"x"}}', 400),
    call('params a string', '{"method":"allowpubkey","params":"x"}', 400),
    call('unknown method', '{"method":"rm -rf","params":[]}', 400),
    call('allowpubkey with a non-hex key', '{"method":"allowpubkey","params":["zz"]}', 400),
    call('allowpubkey with a number', '{"method":"allowpubkey","params":[1]}', 400),
    // Hex is case-insensitive: the relay lowercases the key rather than refuse it.
    call('banpubkey with uppercase hex', `{"method":"banpubkey","params":["${'A'.repeat(64)}"]}`, 200),
    call('banevent with a short id', '{"method":"banevent","params":["abc"]}', 400),
    call('wrong content type', '{"method":"supportedmethods","params":[]}', 415, 'text/plain'),
    call('deeply nested params', `{"method":"allowpubkey","params":${'['.repeat(5000)}${']'.repeat(5000)}}`, 400),
  ];
  for (const auth of AUTH_FAILURES) {
    // A read's token may be sent again by the same client (issue 16): the replay case is a state-changing call.
    const body = auth === 'replayed' ? `{"method":"allowpubkey","params":["${'c'.repeat(64)}"]}` : '{"method":"supportedmethods","params":[]}';
    cases.push({ name: `NIP-86 auth ${auth}`, method: 'POST', path: '/', body, contentType: NIP86, auth, status: 401 });
  }
  return cases;
}

function restCases(): HttpCase[] {
  const post = (name: string, path: string, body: string, status: number | number[] = 400): HttpCase => ({ name: `REST ${name}`, method: 'POST', path: `/api/v1/mls${path}`, body, contentType: 'application/json', auth: 'valid', status });
  const get = (name: string, path: string, status = 400): HttpCase => ({ name: `REST ${name}`, method: 'GET', path: `/api/v1/mls${path}`, auth: 'valid', status });
  const cases: HttpCase[] = [
    post('group messages without group_id', '/messages/group', '{}'),
    // fastify's Ajv coerces 5 to "5" (a valid group id): served (empty) or refused, never a 401 now
    // that NIP-98 hashes the bytes sent rather than the coerced body.
    post('group messages group_id a number', '/messages/group', '{"group_id":5}', [200, 400]),
    // Regression: the payload tag was checked against JSON.stringify of the parsed body, so any
    // client whose JSON had whitespace was refused with 401 although it signed the bytes it sent.
    post('missed messages with whitespace in the JSON', '/messages/missed', '{ "since": 0 }', 200),
    post('group messages group_id with slashes', '/messages/group', '{"group_id":"../../etc"}'),
    post('group messages group_id 10 KB', '/messages/group', JSON.stringify({ group_id: 'a'.repeat(10_000) })),
    post('group messages negative limit', '/messages/group', '{"group_id":"abc","limit":-1}'),
    post('group messages limit 1e9', '/messages/group', '{"group_id":"abc","limit":1000000000}'),
    post('group messages string since', '/messages/group', '{"group_id":"abc","since":"yesterday"}'),
    post('group messages body an array', '/messages/group', '[]'),
    post('group messages body not JSON', '/messages/group', '{'),
    post('missed messages float until', '/messages/missed', '{"until":1.5}'),
    post('missed messages limit 0', '/messages/missed', '{"limit":0}'),
    post('missed messages body a string', '/messages/missed', '"x"'),
    post('welcome ack with a bad id', '/welcomes/xyz/ack', '{}'),
    post('welcome ack with an uppercase id', `/welcomes/${'A'.repeat(64)}/ack`, '{}'),
    get('keypackages without owner', '/keypackages'),
    get('keypackages with a short owner', '/keypackages?owner=abc'),
    get('keypackages with two owners', `/keypackages?owner=${'a'.repeat(64)}&owner=${'b'.repeat(64)}`),
    get('group with a bad id', '/groups/%00%01'),
    get('unknown route', '/nope', 404),
  ];
  for (const auth of AUTH_FAILURES.filter((a) => a !== 'replayed')) {
    cases.push({ name: `REST missed messages auth ${auth}`, method: 'POST', path: '/api/v1/mls/messages/missed', body: '{}', contentType: 'application/json', auth, status: 401 });
  }
  // A read's token may be sent again by the same client (issue 16); a write's (the welcome ack) may not.
  cases.push({ name: 'REST welcome ack auth replayed', method: 'POST', path: `/api/v1/mls/welcomes/${'d'.repeat(64)}/ack`, body: '{}', contentType: 'application/json', auth: 'replayed', status: 401 });
  cases.push({ name: 'REST welcomes auth other-url', method: 'GET', path: '/api/v1/mls/welcomes', auth: 'other-url', status: 401 });
  cases.push({ name: 'REST missed messages auth no-payload', method: 'POST', path: '/api/v1/mls/messages/missed', body: '{}', contentType: 'application/json', auth: 'no-payload', status: 401 });
  return cases;
}

/** The whole HTTP corpus. */
export function buildHttpCorpus(): HttpCase[] {
  return [...nip86Cases(), ...restCases()];
}
