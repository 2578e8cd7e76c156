/** The Overview's figures from counter samples (pure) and the sampler's one-hour window. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CounterHistory, figures, sampleCounters, type CounterSample } from '../../src/http/admin/overview.js';

const sample = (at: number, byKind: Record<string, number>, connections = 0): CounterSample => ({
  at,
  connections,
  eventsByKind: byKind,
  refusals: {},
  store: {},
});

describe('overview figures', () => {
  it('gives events/s by kind over the last minute and a chart point per sample', () => {
    const history = [sample(0, { '445': 0 }), sample(30_000, { '445': 300 }), sample(60_000, { '445': 600, '1059': 60 }, 3)];
    const now = sample(120_000, { '445': 1800, '1059': 120 }, 5);
    const f = figures(history, now);
    // Base = the newest sample at least 60 s old (t=60 s): 1200 events of 445 and 60 of 1059 in 60 s.
    expect(f.eventsPerSecondByKind).toEqual({ '445': 20, '1059': 1 });
    expect(f.series).toEqual([
      { at: 30_000, eventsPerSecond: 10, connections: 0 },
      { at: 60_000, eventsPerSecond: 12, connections: 3 },
      { at: 120_000, eventsPerSecond: 21, connections: 5 },
    ]);
  });

  it('reads refusals and store latency from a real registry', async () => {
    const registry = new Registry();
    const events = new Counter({ name: 'nostr_relay_events_total', help: 'x', labelNames: ['kind', 'outcome'], registers: [registry] });
    const auth = new Counter({ name: 'nostr_relay_auth_failures_total', help: 'x', labelNames: ['reason'], registers: [registry] });
    const store = new Histogram({ name: 'nostr_relay_store_operation_duration_seconds', help: 'x', labelNames: ['op'], buckets: [0.001, 0.01, 0.1], registers: [registry] });
    events.inc({ kind: '445', outcome: 'accepted' }, 5);
    events.inc({ kind: '445', outcome: 'duplicate' }, 1);
    events.inc({ kind: '1', outcome: 'restricted' }, 2);
    auth.inc({ reason: 'nip98' }, 3);
    for (let i = 0; i < 19; i++) store.observe({ op: 'query' }, 0.0005);
    store.observe({ op: 'query' }, 0.05);
    const s = await sampleCounters(registry, 4, 1000);
    expect(s.eventsByKind).toEqual({ '445': 6, '1': 2 });
    expect(s.refusals).toEqual({ restricted: 2, 'auth:nip98': 3 });
    const f = figures([], s);
    // 19 of 20 under 1 ms: p95 falls in the first bucket; the mean counts the slow one.
    expect(f.storeLatencyMs.query).toEqual({ mean: 2.98, p95: 1, count: 20 });
  });

  it('keeps one hour of samples', async () => {
    let t = 0;
    const history = new CounterHistory(async () => sample(t, {}), 60_000, 3_600_000);
    await history.start();
    history.stop();
    // Drive the sampler by hand: one sample per simulated minute for 90 minutes.
    for (t = 60_000; t <= 90 * 60_000; t += 60_000) await (history as unknown as { take(): Promise<void> }).take();
    const all = history.all();
    expect(all[all.length - 1]!.at).toBe(90 * 60_000);
    expect(all[0]!.at).toBe(30 * 60_000);
  });
});
