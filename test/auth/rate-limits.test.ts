import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { authMetrics } from '../../src/auth/metrics.js';
import type { SessionContext } from '../../src/relay/hooks.js';
import { limitEvents, limitFilters, TokenBucket, type RateLimitConfig } from '../../src/relay/policies/rate-limits.js';
import { identity, signed } from '../helpers.js';

const limits: RateLimitConfig = {
  events_per_minute: 5,
  events_per_minute_per_ip: 8,
  reqs_per_minute: 2,
  query_rows_per_minute: 0,
  connections_per_ip: 2,
  http_per_minute: 0,
  inbox_deliveries_per_minute_per_ip: 0,
};
const live = () => limits;
const [alice, bob] = [identity(), identity()];
const ctx = (ip: string, ...authed: string[]): SessionContext => ({ connId: `c-${ip}-${authed.join()}`, ip, authed: new Set(authed) });

describe('TokenBucket', () => {
  it('allows a burst of `limit`, then refills at limit per window', () => {
    const bucket = new TokenBucket({ limit: 3, windowMs: 60_000 });
    const t = 1_000_000;
    expect([1, 2, 3, 4].map(() => bucket.take('k', t))).toEqual([true, true, true, false]);
    expect(bucket.take('k', t + 19_999)).toBe(false);
    expect(bucket.take('k', t + 20_000)).toBe(true);
    expect(bucket.take('other', t)).toBe(true);
  });

  it('is unlimited at limit 0 and bounded in keys', () => {
    expect(new TokenBucket({ limit: 0, windowMs: 1000 }).take('x')).toBe(true);
    const bucket = new TokenBucket({ limit: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) bucket.take(`ip-${i}`, 0);
    expect(bucket.size).toBeLessThanOrEqual(100);
    expect(bucket.size).toBeGreaterThanOrEqual(50);
    expect(bucket.take('ip-999', 0)).toBe(false); // recent keys are kept
  });
});

describe('TokenBucket debt', () => {
  it('spend goes below zero and debtMs says when the debt is paid back at the refill rate', () => {
    const bucket = new TokenBucket({ limit: 600, windowMs: 60_000 }); // 10 tokens a second
    bucket.spend('m', 500, 0);
    expect(bucket.debtMs('m', 0)).toBe(0);
    bucket.spend('m', 300, 0); // 100 - 300 = -200: 20 s
    expect(bucket.debtMs('m', 0)).toBe(20_000);
    expect(bucket.debtMs('m', 15_000)).toBe(5_000);
    expect(bucket.debtMs('m', 20_000)).toBe(0);
    expect(bucket.take('m', 20_000)).toBe(false);
    expect(bucket.debtMs('other', 0)).toBe(0);
  });

  it('is a no-op at limit 0', () => {
    const bucket = new TokenBucket({ limit: 0, windowMs: 60_000 });
    bucket.spend('m', 1e9, 0);
    expect(bucket.debtMs('m', 0)).toBe(0);
    expect(bucket.size).toBe(0);
  });
});

describe('TokenBucket pruning', () => {
  it('drops refilled keys before keys still over their rate', () => {
    const bucket = new TokenBucket({ limit: 1, windowMs: 1000, maxKeys: 4 });
    for (const k of ['a', 'b', 'c']) bucket.take(k, 0);
    bucket.take('hot', 900);
    bucket.take('d', 1000);
    expect(bucket.size).toBe(2);
    expect(bucket.take('hot', 1000)).toBe(false);
  });
});

describe('limitEvents', () => {
  it('limits per pubkey and per IP with rate-limited:, counting refusals by scope', async () => {
    const registry = new Registry();
    const { rateLimited } = authMetrics(registry);
    let clock = 0;
    const policy = limitEvents(live, { counter: rateLimited, clock: () => clock });
    for (let i = 0; i < 5; i++) expect((await policy(ctx('1.1.1.1', alice.pk), signed(alice))).ok).toBe(true);
    expect(await policy(ctx('1.1.1.1', alice.pk), signed(alice))).toMatchObject({ ok: false, reason: { prefix: 'rate-limited', message: 'too many events, slow down' } });
    // Bob from the same IP: the IP has spent 5 of 8.
    for (let i = 0; i < 3; i++) expect((await policy(ctx('1.1.1.1', bob.pk), signed(bob))).ok).toBe(true);
    expect(await policy(ctx('1.1.1.1', bob.pk), signed(bob))).toMatchObject({ reason: { message: 'too many events from this address, slow down' } });
    expect((await policy(ctx('2.2.2.2', bob.pk), signed(bob))).ok).toBe(true);
    clock += 60_000;
    expect((await policy(ctx('1.1.1.1', alice.pk), signed(alice))).ok).toBe(true);
    const text = await registry.getSingleMetricAsString('nostr_relay_rate_limited_total');
    expect(text).toContain('scope="pubkey"} 1');
    expect(text).toContain('scope="ip"} 1');
  });

  it('a refused event costs nothing in the other buckets', async () => {
    const policy = limitEvents(() => ({ ...limits, events_per_minute: 1, events_per_minute_per_ip: 3 }), { clock: () => 0 });
    expect((await policy(ctx('4.4.4.4', alice.pk), signed(alice))).ok).toBe(true);
    for (let i = 0; i < 10; i++) expect((await policy(ctx('4.4.4.4', alice.pk), signed(alice))).ok).toBe(false);
    // The IP budget (3) was charged once only.
    expect((await policy(ctx('4.4.4.4', bob.pk), signed(bob))).ok).toBe(true);
  });

  it('reads its limits on every check, so a reloaded [rate_limits] applies at once', async () => {
    let current = { ...limits, events_per_minute: 5 };
    const policy = limitEvents(() => current, { clock: () => 0 });
    expect((await policy(ctx('6.6.6.6', alice.pk), signed(alice))).ok).toBe(true);
    current = { ...limits, events_per_minute: 1 };
    // The bucket holds at most the new limit: one more, then refused (the old limit would allow four).
    expect((await policy(ctx('6.6.6.6', alice.pk), signed(alice))).ok).toBe(true);
    expect((await policy(ctx('6.6.6.6', alice.pk), signed(alice))).ok).toBe(false);
  });
});

describe('limitFilters', () => {
  it('limits REQ/COUNT per connection', async () => {
    const policy = limitFilters(live, { clock: () => 0 });
    const c = ctx('5.5.5.5');
    expect([policy(c, 'REQ').ok, policy(c, 'COUNT').ok, policy(c, 'REQ').ok]).toEqual([
      true,
      true,
      false,
    ]);
    expect(policy(ctx('5.5.5.6'), 'REQ').ok).toBe(true);
  });
});
