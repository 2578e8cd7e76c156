import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';
import { identity } from '../helpers.js';
import { authHeader, buildHttpCorpus, type HttpCase } from './corpus/http.js';

const admin = identity();
let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    overrides: { auth: { required: true, admin_pubkeys: [admin.pk] }, rate_limits: { http_per_minute: 0 } },
  });
});
afterAll(async () => {
  await relay.stop();
});

async function send(c: HttpCase, authorization: string | undefined) {
  const headers: Record<string, string> = {};
  if (c.contentType) headers['content-type'] = c.contentType;
  if (authorization) headers.authorization = authorization;
  const res = await fetch(`${relay.httpUrl}${c.path}`, { method: c.method, headers, ...(c.body !== undefined ? { body: c.body } : {}) });
  const text = await res.text();
  return { status: res.status, text };
}

describe('hostile HTTP corpus', () => {
  it('answers every malformed body and bad NIP-98 header with its status, and keeps serving', async () => {
    const corpus = buildHttpCorpus();
    const failures: string[] = [];
    for (const c of corpus) {
      const header = authHeader(admin, c);
      if (c.auth === 'replayed') {
        // The first use is legitimate; the same header again must be refused.
        await send(c, header);
      }
      const { status, text } = await send(c, header);
      if (![c.status].flat().includes(status)) failures.push(`${c.name}: expected ${c.status}, got ${status} ${text.slice(0, 160)}`);
      // Never a stack trace or driver text: errors are short JSON.
      if (/\bat [\w.<>]+ \(|node_modules/.test(text)) failures.push(`${c.name}: leaks internals: ${text.slice(0, 160)}`);
    }
    console.log(`[hostile] HTTP corpus ${corpus.length} requests`);
    expect(failures).toEqual([]);

    const health = await fetch(`${relay.httpUrl}/health`);
    expect(health.status).toBe(200);
    const good: HttpCase = { name: 'ok', method: 'POST', path: '/', body: '{"method":"supportedmethods","params":[]}', contentType: 'application/nostr+json+rpc', auth: 'valid', status: 200 };
    const ok = await send(good, authHeader(admin, good));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).result).toContain('banpubkey');
  });
});
