/**
 * The dashboards and alerts in ops/: the alert rules load in promtool (Debian's prometheus package)
 * and pass their unit tests, or, without promtool, have the shape Prometheus requires; every metric a
 * rule or a panel names is exported by the relay (read from a running relay's registry), or is one
 * of the few named external series.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHealthGauge } from '../../src/observability/health-gauge.js';
import { startTestRelay, type TestRelay } from '../harness.js';

const RULES = 'ops/prometheus/mls-relay.rules.yml';
const RULE_TESTS = 'ops/prometheus/mls-relay.rules.test.yml';
const DASHBOARD = 'ops/grafana/mls-relay.dashboard.json';

/** Series the relay does not export but the files may name: Prometheus' own, and Google Cloud metrics via Managed Prometheus. */
const EXTERNAL = new Set([
  'up',
  'run_googleapis_com:container_instance_count',
  'run_googleapis_com:container_network_received_bytes_count',
  'run_googleapis_com:container_network_sent_bytes_count',
  'logging_googleapis_com:log_entry_count',
]);

const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) console.warn('ops tests: promtool not found (apt-get install prometheus); alert rules checked by schema only');

type Rule = { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type RuleFile = { groups: Array<{ name: string; interval?: string; rules: Rule[] }> };
type Panel = { type: string; title: string; targets?: Array<{ expr: string }>; gridPos: { x: number; y: number; w: number; h: number } };

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'by', 'without', 'on', 'ignoring', 'and', 'or', 'unless',
  'offset', 'bool', 'le', 'histogram_quantile', 'clamp_min', 'clamp_max', 'abs', 'absent', 'max_over_time', 'min_over_time',
  'avg_over_time', 'humanize', 'vector', 'scalar', 'time', 'group_left', 'group_right',
]);

/** Metric names in a PromQL expression: identifiers not inside {…}, […] or "…", not numbers, not followed by '(' and not a keyword (label lists of by/without are removed by the caller). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/(^|[^A-Za-z0-9_:])\d+(\.\d+)?(e[-+]?\d+)?/gi, '$10'); // numbers such as 1e-9
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = m as unknown as [string, string, string | undefined];
    if (call || PROMQL_WORDS.has(name)) continue;
    names.add(name);
  }
  return [...names];
}

function byListLabels(expr: string): Set<string> {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) for (const l of (m[1] as string).split(',')) out.add(l.trim());
  return out;
}

let relay: TestRelay;
let exported: Set<string>;

beforeAll(async () => {
  relay = await startTestRelay({ overrides: { extensions: { enabled: ['mls-gateway'] } } });
  exported = new Set<string>();
  for (const m of await relay.server.metrics.registry.getMetricsAsJSON()) {
    exported.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(`${m.name}${s}`);
  }
});
afterAll(async () => relay?.stop());

function unknownMetrics(expr: string): string[] {
  const labels = byListLabels(expr);
  return metricNames(expr).filter((n) => !labels.has(n) && !exported.has(n) && !EXTERNAL.has(n));
}

describe('alert rules', () => {
  const file = jsYaml.load(readFileSync(RULES, 'utf8')) as RuleFile;
  const alerts = file.groups.flatMap((g) => g.rules).filter((r) => r.alert);

  it.runIf(promtool)('pass promtool check rules and the rule unit tests', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    expect(execFileSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8' })).toMatch(/SUCCESS/);
  });

  it('have the shape Prometheus requires (schema check, with or without promtool)', () => {
    expect(Array.isArray(file.groups)).toBe(true);
    const names = new Set<string>();
    for (const g of file.groups) {
      expect(typeof g.name).toBe('string');
      expect(names.has(g.name), `duplicate group ${g.name}`).toBe(false);
      names.add(g.name);
      for (const r of g.rules) {
        expect(Boolean(r.alert) !== Boolean(r.record), JSON.stringify(r)).toBe(true);
        expect(typeof r.expr).toBe('string');
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smhd]$/);
        if (r.alert) expect(['critical', 'high', 'warning', 'info']).toContain(r.labels?.severity);
        if (r.alert) expect(r.annotations?.summary, r.alert).toBeTruthy();
      }
    }
  });

  it('cover every alert of the operational runbook', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      'MlsRelayHighErrorRate', 'MlsRelayServiceDown', 'MlsRelayHealthCheckFailing', 'MlsRelayStoreErrors', 'MlsRelaySlowResponse',
      'MlsRelayMemoryHigh', 'MlsRelayTrafficSpike', 'MlsRelayKeyPackagePoolsLow', 'MlsRelaySignatureFailures',
    ]) expect(names).toContain(required);
    const expr = (name: string) => alerts.find((a) => a.alert === name)!.expr;
    expect(expr('MlsRelayHighErrorRate')).toMatch(/> 0\.05\s*$/);
    expect(expr('MlsRelayStoreErrors')).toMatch(/> 0\.10\s*$/);
    expect(expr('MlsRelaySlowResponse')).toMatch(/histogram_quantile\(0\.95,.*> 1$/);
    expect(expr('MlsRelayMemoryHigh')).toMatch(/> 0\.85$/);
    expect(expr('MlsRelayTrafficSpike')).toContain('1.5 *');
  });

  it('name only metrics the relay exports', () => {
    for (const r of file.groups.flatMap((g) => g.rules)) expect(unknownMetrics(r.expr), r.alert ?? r.record).toEqual([]);
  });
});

describe('Grafana dashboard', () => {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; title: string; uid: string };

  it('has the runbook rows: service health, performance, MLS, infrastructure', () => {
    const rows = dash.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Service health', 'Performance', 'MLS', 'Infrastructure']);
    for (const title of ['Service status', 'Active connections', 'Error rate (%)', 'Events by kind (443, 445, 446, 1059, …)', 'KeyPackage operations', 'Message archive rate', 'Log volume']) {
      expect(dash.panels.map((p) => p.title)).toContain(title);
    }
  });

  it('fails when a panel names a metric the relay does not export', () => {
    for (const p of dash.panels.filter((x) => x.type !== 'row')) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(unknownMetrics(t.expr), `${p.title}: ${t.expr}`).toEqual([]);
    }
    // The check itself catches a wrong name.
    expect(unknownMetrics('sum(rate(nostr_relay_no_such_metric_total[5m]))')).toEqual(['nostr_relay_no_such_metric_total']);
  });

  it('lays panels out without overlap on the 24-column grid', () => {
    const cells = new Set<string>();
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});

it('exports the series the alerts divide by or watch, with values', async () => {
  const text = await relay.server.metrics.registry.metrics();
  expect(text).toMatch(/^nostr_relay_health_check_up\{check="database"\} 1$/m);
  const limit = Number(/^nostr_relay_memory_limit_bytes (\d+)$/m.exec(text)?.[1]);
  expect(limit).toBeGreaterThan(0);
  expect(limit).toBeLessThanOrEqual((await import('node:os')).totalmem());
});

it('the health gauge reads 0 for a failing or unanswered check, 1 for a passing one', async () => {
  const registry = new Registry();
  registerHealthGauge(registry, { good: async () => undefined, bad: async () => Promise.reject(new Error('down')), hung: () => new Promise<void>(() => undefined) }, 50);
  const text = await registry.metrics();
  expect(text).toMatch(/^nostr_relay_health_check_up\{check="good"\} 1$/m);
  expect(text).toMatch(/^nostr_relay_health_check_up\{check="bad"\} 0$/m);
  expect(text).toMatch(/^nostr_relay_health_check_up\{check="hung"\} 0$/m);
});

it('ops files exist where docs/runbook.md points', () => {
  for (const f of [RULES, RULE_TESTS, DASHBOARD, 'ops/README.md']) expect(existsSync(f), f).toBe(true);
});
