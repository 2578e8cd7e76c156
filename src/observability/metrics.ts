import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The core relay's Prometheus metrics, on one registry that extensions share. */
export type RelayMetrics = {
  registry: Registry;
  connectionsActive: Gauge;
  connectionsTotal: Counter;
  eventsTotal: Counter<'kind' | 'outcome'>;
  okLatency: Histogram;
  storeOpDuration: Histogram<'op'>;
  /** nostr_relay_store_operations_total{op, outcome}: event store calls by outcome (`ok`, `error`), the store error rate's source. */
  storeOps: Counter<'op' | 'outcome'>;
  subscriptionsActive: Gauge;
  reqTotal: Counter<'verb'>;
  eventsBroadcast: Counter;
  invalidSignatures: Counter;
  slowClientsDropped: Counter;
  authFailures: Counter<'reason'>;
  /** REQ/COUNT held back or refused because their member had spent rate_limits.query_rows_per_minute. */
  queryAllowance: Counter<'outcome'>;
  /** The `kind` label values of eventsTotal. */
  kindLabels: KindLabels;
};

/** Kinds the core labels by number (NIP-01 metadata, notes, follows, deletions, gift wraps, relay lists, AUTH); extensions add theirs. */
const CORE_LABELLED_KINDS = [0, 1, 3, 5, 1059, 10002, 10050, 22242];

/**
 * Maps a kind to a bounded label value (Prometheus label cardinality): its number when labelled
 * (the core's kinds, and those an extension added with `labelKinds`), else 'other'.
 */
export class KindLabels {
  private readonly known = new Set<number>(CORE_LABELLED_KINDS);
  labelKinds(kinds: readonly number[]): void {
    for (const k of kinds) this.known.add(k);
  }
  of(kind: number): string {
    return this.known.has(kind) ? String(kind) : 'other';
  }
}

/** Creates the registry with process metrics and the core metrics. */
export function createMetrics(): RelayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    kindLabels: new KindLabels(),
    registry,
    connectionsActive: new Gauge({ name: 'nostr_relay_connections_active', help: 'Open WebSocket connections', registers }),
    connectionsTotal: new Counter({ name: 'nostr_relay_connections_total', help: 'WebSocket connections accepted', registers }),
    eventsTotal: new Counter({
      name: 'nostr_relay_events_total',
      help: 'EVENT messages by kind and outcome (accepted, duplicate, or the rejection prefix)',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    okLatency: new Histogram({
      name: 'nostr_relay_ok_latency_seconds',
      help: 'Time from receiving an EVENT to sending its OK',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    storeOpDuration: new Histogram({
      name: 'nostr_relay_store_operation_duration_seconds',
      help: 'Event store operation durations',
      labelNames: ['op'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    storeOps: new Counter({
      name: 'nostr_relay_store_operations_total',
      help: 'Event store operations (save_batch, query, count) by outcome: ok, error, or too_expensive (a REQ/COUNT past its query budget)',
      labelNames: ['op', 'outcome'],
      registers,
    }),
    subscriptionsActive: new Gauge({ name: 'nostr_relay_subscriptions_active', help: 'Open subscriptions', registers }),
    reqTotal: new Counter({ name: 'nostr_relay_requests_total', help: 'REQ and COUNT messages', labelNames: ['verb'], registers }),
    eventsBroadcast: new Counter({ name: 'nostr_relay_events_broadcast_total', help: 'EVENT frames sent to live subscribers', registers }),
    invalidSignatures: new Counter({
      name: 'nostr_relay_invalid_signatures_total',
      help: 'Events refused for a bad id or signature (a security signal)',
      registers,
    }),
    slowClientsDropped: new Counter({
      name: 'nostr_relay_slow_clients_dropped_total',
      help: 'Connections closed because their outbound buffer passed limits.max_buffered_bytes',
      registers,
    }),
    authFailures: new Counter({
      name: 'nostr_relay_auth_failures_total',
      help: 'Refused NIP-42 AUTH attempts by reason prefix',
      labelNames: ['reason'],
      registers,
    }),
    queryAllowance: new Counter({
      name: 'nostr_relay_query_allowance_total',
      help: 'REQ and COUNT whose member had spent its rate_limits.query_rows_per_minute (filter values and stored rows examined): delayed (held until the allowance was back) or refused (rate-limited)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}
