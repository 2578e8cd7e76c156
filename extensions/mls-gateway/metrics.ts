import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's Prometheus metrics (names from the operations runbooks). */
export type GatewayMetrics = {
  eventsProcessed: Counter<'kind'>;
  keyPackagesStored: Counter<'framing'>;
  keyPackagesConsumed: Counter;
  rejected: Counter<'reason'>;
  groupsUpdated: Counter;
  lowPoolOwners: Gauge;
  dbOperationDuration: Histogram<'op'>;
};

/**
 * Registers the metrics on `registry`, reusing ones already there: a registry is shared by the
 * whole process, and registering a name twice throws.
 */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const reuse = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    eventsProcessed: reuse(
      'mls_gateway_events_processed_total',
      () =>
        new Counter({
          name: 'mls_gateway_events_processed_total',
          help: 'Gateway events stored, by kind',
          labelNames: ['kind'],
          registers,
        }),
    ),
    keyPackagesStored: reuse(
      'mls_gateway_keypackages_stored_total',
      () =>
        new Counter({
          name: 'mls_gateway_keypackages_stored_total',
          help: 'KeyPackages added to the directory, by content framing (mls_message: adopted spec; bare: older clients)',
          labelNames: ['framing'],
          registers,
        }),
    ),
    keyPackagesConsumed: reuse(
      'mls_gateway_keypackages_consumed_total',
      () =>
        new Counter({
          name: 'mls_gateway_keypackages_consumed_total',
          help: 'KeyPackages claimed by a requester (consume_on_fetch)',
          registers,
        }),
    ),
    rejected: reuse(
      'mls_gateway_rejected_total',
      () =>
        new Counter({
          name: 'mls_gateway_rejected_total',
          help: 'Events and filters refused by the gateway, by rule',
          labelNames: ['reason'],
          registers,
        }),
    ),
    groupsUpdated: reuse(
      'mls_gateway_groups_updated_total',
      () => new Counter({ name: 'mls_gateway_groups_updated_total', help: 'Group registry and roster updates', registers }),
    ),
    lowPoolOwners: reuse(
      'mls_gateway_keypackage_low_pool_owners',
      () =>
        new Gauge({
          name: 'mls_gateway_keypackage_low_pool_owners',
          help: 'Owners with fewer available KeyPackages than low_pool_threshold',
          registers,
        }),
    ),
    dbOperationDuration: reuse(
      'mls_gateway_db_operation_duration_seconds',
      () =>
        new Histogram({
          name: 'mls_gateway_db_operation_duration_seconds',
          help: 'Gateway key-value store operation durations',
          labelNames: ['op'],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers,
        }),
    ),
  };
}
