import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeEvent } from 'nostr-tools/pure';
import { RawClient, startTestRelay, TEST_RELAY_URL, waitFor, type TestRelay } from '../harness.js';
import { identity, now, signed, type Identity } from '../helpers.js';
import { keyPackageEvent30443, makeKeyPackage, mlsIdentity } from '../mls/fixtures.js';

const TOKEN = 'scrape-secret-for-tests';

/** Parses Prometheus text into sample lines keyed by metric name (labels kept in the line). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

function value(line: string | undefined): number {
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function authAs(c: RawClient, who: Identity, challenge = c.challenge!): Promise<unknown[]> {
  const ev = finalizeEvent({ kind: 22242, created_at: now(), content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', challenge]] }, who.sk);
  return c.request(['AUTH', ev], (m) => m[0] === 'OK' && m[1] === ev.id);
}

/** Scrapes with `Bearer <token>`, or with no Authorization header when token is null. */
async function scrape(relay: TestRelay, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${relay.httpUrl}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

describe('GET /metrics after traffic', () => {
  let relay: TestRelay;
  let member: Identity;
  let open: RawClient;
  let text: string;

  beforeAll(async () => {
    member = identity();
    relay = await startTestRelay({
      overrides: {
        auth: { required: true, allowlist: [member.pk] },
        metrics: { token: TOKEN },
        rate_limits: { events_per_minute: 4 },
      },
    });
    const c = await RawClient.open(relay.url);
    await waitFor(() => c.challenge !== undefined);
    expect((await authAs(c, member))[2]).toBe(true);
    // A real MLS KeyPackage, so the gateway's counters move too.
    const kp = await c.publish(keyPackageEvent30443(member, await makeKeyPackage(mlsIdentity(member))));
    expect(kp[2], String(kp[3])).toBe(true);
    // Accepted, duplicate and rate-limited events (the limit is 4 per minute for this pubkey).
    const first = signed(member, { content: 'first' });
    expect((await c.publish(first))[2]).toBe(true);
    await c.publish(first);
    for (let i = 0; i < 4; i++) await c.publish(signed(member, { content: `more ${i}` }));
    await c.req('q', { kinds: [1], limit: 10 });
    // Failed AUTH attempts: a stranger, and a forged signature.
    const stranger = await RawClient.open(relay.url);
    await waitFor(() => stranger.challenge !== undefined);
    await authAs(stranger, identity());
    const forged = finalizeEvent({ kind: 22242, created_at: now(), content: '', tags: [['relay', TEST_RELAY_URL], ['challenge', stranger.challenge!]] }, identity().sk);
    await stranger.request(['AUTH', { ...forged, sig: forged.sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) }], (m) => m[0] === 'OK' && m[1] === forged.id);
    stranger.close();
    c.close();
    open = await RawClient.open(relay.url); // stays open: the gauge must count it
    await waitFor(() => open.challenge !== undefined);
    const res = await scrape(relay);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    text = await res.text();
  });

  afterAll(async () => {
    open?.close();
    await relay?.stop();
  });

  it('counts open connections and accepted connections', () => {
    expect(value(samples(text, 'nostr_relay_connections_active')[0])).toBe(1);
    expect(value(samples(text, 'nostr_relay_connections_total')[0])).toBeGreaterThanOrEqual(3);
  });

  it('counts events by kind and outcome', () => {
    const events = samples(text, 'nostr_relay_events_total');
    expect(value(events.find((l) => l.includes('kind="1"') && l.includes('outcome="accepted"')))).toBeGreaterThanOrEqual(2);
    expect(value(events.find((l) => l.includes('kind="1"') && l.includes('outcome="duplicate"')))).toBe(1);
    expect(value(events.find((l) => l.includes('kind="1"') && l.includes('outcome="rate-limited"')))).toBeGreaterThanOrEqual(1);
    expect(value(events.find((l) => l.includes('kind="30443"')))).toBe(1);
  });

  it('has the OK latency histogram and store operation durations', () => {
    expect(value(samples(text, 'nostr_relay_ok_latency_seconds_count')[0])).toBeGreaterThanOrEqual(6);
    expect(samples(text, 'nostr_relay_ok_latency_seconds_bucket').some((l) => l.includes('le="+Inf"'))).toBe(true);
    const store = samples(text, 'nostr_relay_store_operation_duration_seconds_count');
    expect(store.length).toBeGreaterThan(0);
    expect(store.reduce((sum, l) => sum + value(l), 0)).toBeGreaterThan(0);
  });

  it('counts refused AUTH attempts by reason, and rate-limit hits', () => {
    const failures = samples(text, 'nostr_relay_auth_failures_total');
    expect(value(failures.find((l) => l.includes('reason="restricted"')))).toBe(1);
    expect(value(failures.find((l) => l.includes('reason="invalid"')))).toBe(1);
    expect(value(samples(text, 'nostr_relay_invalid_signatures_total')[0])).toBeGreaterThanOrEqual(1);
    expect(samples(text, 'nostr_relay_rate_limited_total').reduce((sum, l) => sum + value(l), 0)).toBeGreaterThanOrEqual(1);
  });

  it('has the gateway metrics', () => {
    expect(value(samples(text, 'mls_gateway_events_processed_total').find((l) => l.includes('kind="30443"')))).toBe(1);
    expect(value(samples(text, 'mls_gateway_keypackages_stored_total')[0])).toBe(1);
    expect(text).toContain('# TYPE mls_gateway_groups_updated_total counter');
    expect(text).toContain('# TYPE mls_gateway_db_operation_duration_seconds histogram');
    expect(text).toContain('# TYPE mls_gateway_keypackage_low_pool_owners gauge');
  });

  it('has process metrics', () => {
    expect(value(samples(text, 'process_resident_memory_bytes')[0])).toBeGreaterThan(0);
    expect(samples(text, 'process_cpu_seconds_total').length).toBe(1);
    expect(samples(text, 'nodejs_eventloop_lag_p99_seconds').length).toBe(1);
  });

  it('requires the configured bearer token', async () => {
    expect((await scrape(relay, null)).status).toBe(401);
    expect((await scrape(relay, 'wrong-token-of-other-size')).status).toBe(401);
    expect((await scrape(relay, TOKEN.replace(/.$/, 'X'))).status).toBe(401);
    const body = await (await scrape(relay, null)).text();
    expect(body).not.toContain('nostr_relay_');
  });

  it('issue 14 item 4: without a token, the public port serves no metrics; the loopback listener does; both are rate-limited', async () => {
    const plain = await startTestRelay({ overrides: { rate_limits: { http_per_minute: 3 } } });
    try {
      const open = await fetch(`${plain.httpUrl}/metrics`);
      expect(open.status).toBe(404);
      expect(await open.text()).not.toContain('nostr_relay_');
      expect(new URL(plain.server.metricsUrl).hostname).toBe('127.0.0.1');
      const local = await fetch(plain.server.metricsUrl);
      expect(local.status).toBe(200);
      expect(await local.text()).toContain('# TYPE nostr_relay_connections_active gauge');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(plain.server.metricsUrl)).status);
      expect(statuses).toContain(429);
      const publicStatuses = [];
      for (let i = 0; i < 4; i++) publicStatuses.push((await fetch(`${plain.httpUrl}/metrics`)).status);
      expect(publicStatuses).toContain(429);
    } finally {
      await plain.stop();
    }
  });
});
