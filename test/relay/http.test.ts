import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ overrides: { relay_info: { name: 'test relay', contact: 'ops@example.org' } } });
});
afterAll(async () => {
  await relay.stop();
});

describe('HTTP endpoints', () => {
  it('serves the NIP-11 document with limits from config', async () => {
    const res = await fetch(relay.httpUrl, { headers: { accept: 'application/nostr+json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const doc = (await res.json()) as Record<string, unknown> & { limitation: Record<string, unknown>; supported_nips: number[] };
    expect(doc.name).toBe('test relay');
    expect(doc.contact).toBe('ops@example.org');
    expect(doc.supported_nips).toEqual(expect.arrayContaining([1, 9, 11, 40, 42, 45]));
    expect(doc.limitation.max_message_length).toBe(1048576);
    expect(doc.limitation.max_subscriptions).toBe(50);
    expect(typeof doc.version).toBe('string');
  });

  it('answers /health with the database check', async () => {
    const res = await fetch(`${relay.httpUrl}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'healthy', checks: { database: 'ok' } });
    expect(typeof body.uptime_seconds).toBe('number');
  });

  it('exposes Prometheus metrics on the loopback metrics listener, not on the public port', async () => {
    expect(relay.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(relay.server.metricsUrl);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('nostr_relay_connections_active');
    expect(text).toContain('process_resident_memory_bytes');
    // issue 14 item 4: per-kind counters are metadata; the public port does not serve them anonymously.
    const open = await fetch(`${relay.httpUrl}/metrics`);
    expect(open.status).toBe(404);
    expect(await open.text()).not.toContain('nostr_relay_events_total');
  });
});
