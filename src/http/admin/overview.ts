import type { Registry } from 'prom-client';

/** One reading of the relay's own counters (cumulative since start, except connections). */
export type CounterSample = {
  /** Unix milliseconds. */
  at: number;
  connections: number;
  /** nostr_relay_events_total summed by kind (every outcome). */
  eventsByKind: Record<string, number>;
  /** Refused EVENTs by outcome prefix, plus `auth:<reason>` and `rate-limited:<scope>` counters. */
  refusals: Record<string, number>;
  /** nostr_relay_store_operation_duration_seconds, per op: sum (s), count and cumulative buckets. */
  store: Record<string, { sum: number; count: number; buckets: Array<[number, number]> }>;
};

type MetricValue = { value: number; labels: Record<string, string | number>; metricName?: string };

async function values(registry: Registry, name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as MetricValue[];
}

const ACCEPTED = new Set(['accepted', 'duplicate']);

function add(into: Record<string, number>, key: string, n: number): void {
  into[key] = (into[key] ?? 0) + n;
}

async function storeSample(registry: Registry): Promise<CounterSample['store']> {
  const store: CounterSample['store'] = {};
  for (const v of await values(registry, 'nostr_relay_store_operation_duration_seconds')) {
    const op = String(v.labels.op ?? 'all');
    const s = (store[op] ??= { sum: 0, count: 0, buckets: [] });
    if (v.metricName?.endsWith('_sum')) s.sum = v.value;
    else if (v.metricName?.endsWith('_count')) s.count = v.value;
    else if (v.metricName?.endsWith('_bucket') && v.labels.le !== '+Inf') s.buckets.push([Number(v.labels.le), v.value]);
  }
  return store;
}

/** Reads the counters the console shows from the relay's registry. */
export async function sampleCounters(registry: Registry, connections: number, at = Date.now()): Promise<CounterSample> {
  const eventsByKind: Record<string, number> = {};
  const refusals: Record<string, number> = {};
  for (const v of await values(registry, 'nostr_relay_events_total')) {
    add(eventsByKind, String(v.labels.kind), v.value);
    const outcome = String(v.labels.outcome);
    if (!ACCEPTED.has(outcome)) add(refusals, outcome, v.value);
  }
  for (const v of await values(registry, 'nostr_relay_auth_failures_total')) add(refusals, `auth:${String(v.labels.reason)}`, v.value);
  for (const v of await values(registry, 'nostr_relay_rate_limited_total')) add(refusals, `rate-limited:${String(v.labels.scope)}`, v.value);
  return { at, connections, eventsByKind, refusals, store: await storeSample(registry) };
}

/** What the Overview page charts and tabulates, derived from two samples or a series. */
export type OverviewFigures = {
  /** Events per second by kind between the window's first sample and now. */
  eventsPerSecondByKind: Record<string, number>;
  /** Refusals counted since start, by reason. */
  refusalsByReason: Record<string, number>;
  /** Store latency per op since start: mean and an upper bound of p95 from the histogram buckets, in ms. */
  storeLatencyMs: Record<string, { mean: number; p95: number | null; count: number }>;
  /** The chart: one point per sample over the last hour (events/s over the step before it, open connections). */
  series: Array<{ at: number; eventsPerSecond: number; connections: number }>;
};

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function p95(buckets: Array<[number, number]>, count: number): number | null {
  if (count === 0) return null;
  const target = 0.95 * count;
  const hit = [...buckets].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= target);
  return hit ? hit[0] * 1000 : null;
}

/** Rates and latencies from a series of samples (oldest first) and the current one. */
export function figures(history: readonly CounterSample[], current: CounterSample, windowMs = 60_000): OverviewFigures {
  const base = [...history].reverse().find((s) => current.at - s.at >= windowMs) ?? history[0] ?? current;
  const seconds = Math.max(1, (current.at - base.at) / 1000);
  const eventsPerSecondByKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(current.eventsByKind)) {
    const rate = (n - (base.eventsByKind[kind] ?? 0)) / seconds;
    if (rate > 0) eventsPerSecondByKind[kind] = Math.round(rate * 100) / 100;
  }
  const storeLatencyMs: OverviewFigures['storeLatencyMs'] = {};
  for (const [op, s] of Object.entries(current.store)) {
    storeLatencyMs[op] = { mean: s.count ? Math.round((s.sum / s.count) * 1e5) / 100 : 0, p95: p95(s.buckets, s.count), count: s.count };
  }
  const points = [...history, current];
  const series = points.slice(1).map((s, i) => {
    const prev = points[i] as CounterSample;
    const dt = Math.max(0.001, (s.at - prev.at) / 1000);
    return { at: s.at, eventsPerSecond: Math.round(((sum(s.eventsByKind) - sum(prev.eventsByKind)) / dt) * 100) / 100, connections: s.connections };
  });
  return { eventsPerSecondByKind, refusalsByReason: current.refusals, storeLatencyMs, series };
}

/**
 * Samples the counters every `intervalMs` (default 10 s) and keeps the last hour, so the Overview
 * chart has a past when the page opens. In memory, per instance; unref'd timer.
 */
export class CounterHistory {
  private readonly samples: CounterSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => Promise<CounterSample>,
    private readonly intervalMs = 10_000,
    private readonly keepMs = 3_600_000,
  ) {}

  /** Takes a first sample now and then one every interval. */
  async start(): Promise<void> {
    await this.take();
    this.timer = setInterval(() => void this.take().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  /** The samples of the last hour, oldest first. */
  all(): readonly CounterSample[] {
    return this.samples;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async take(): Promise<void> {
    const s = await this.read();
    this.samples.push(s);
    while (this.samples.length > 0 && s.at - (this.samples[0] as CounterSample).at > this.keepMs) this.samples.shift();
  }
}
