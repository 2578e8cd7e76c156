import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, renderConfigDocs } from '../../scripts/config-docs.js';
import { loadRelayConfig } from '../../src/load-relay-config.js';
import { ConfigError } from '../../src/config/load.js';
import { schemaKeys, valueAt } from '../../src/config/relay-schema.js';
import { envNamesFor, type Field } from '../../src/config/schema-dsl.js';
import { configExtensions } from '../../src/extension-registry.js';

const ALL = schemaKeys(configExtensions()).map(({ key, field, at }) => ({ path: key, field, at }));

/** A valid value other than the default, as an env string; undefined when the type has none we can pick blindly. */
function otherValue(f: Field): string | undefined {
  if (f.oneOf) return f.oneOf.find((v) => v !== f.default);
  if (f.type === 'boolean') return String(!(f.default as boolean));
  if (f.type === 'integer') {
    const up = (f.default as number) + 1;
    return String(f.max !== undefined && up > f.max ? (f.default as number) - 1 : up);
  }
  return undefined;
}

describe('docs/configuration.md', () => {
  it('is exactly what scripts/config-docs.ts generates from the schemas (run it after changing a key)', () => {
    expect(readFileSync(CONFIG_DOC_PATH, 'utf8')).toBe(renderConfigDocs());
  });

  it('lists every key of every schema with each environment variable that sets it', () => {
    const doc = renderConfigDocs();
    for (const { path, field } of ALL) {
      const key = path.slice(path.indexOf('.') + 1);
      expect(doc, path).toContain(`| \`${key}\` |`);
      for (const name of envNamesFor(path, field)) expect(doc, `${path} via ${name}`).toContain(`\`${name}\``);
    }
  });
});

describe('environment overrides (Cloud Run has no config file to edit)', () => {
  it('every integer, boolean and enumerated key is set by its derived RELAY_<SECTION>_<KEY> variable', () => {
    let checked = 0;
    for (const { path, field, at } of ALL) {
      const value = otherValue(field);
      if (value === undefined) continue;
      const names = envNamesFor(path, field);
      const derived = names[names.length - 1]!;
      const config = loadRelayConfig({ file: null, env: { [derived]: value } });
      expect(String(valueAt(config, at)), `${derived}=${value}`).toBe(value);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('a short name wins over the derived one, and a bad value names the variable it came from', () => {
    const c = loadRelayConfig({ file: null, env: { PORT: '9001', RELAY_SERVER_PORT: '9002' } });
    expect(c.server.port).toBe(9001);
    expect(loadRelayConfig({ file: null, env: { RELAY_SERVER_PORT: '9002' } }).server.port).toBe(9002);
    let problems: string[] = [];
    try {
      loadRelayConfig({ file: null, env: { RELAY_LIMITS_MAX_FILTERS: 'lots' } });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringContaining('limits.max_filters (from RELAY_LIMITS_MAX_FILTERS)')]);
  });

  it('lists come comma-separated (the allowlist secret on Cloud Run)', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const c = loadRelayConfig({ file: null, env: { RELAY_AUTH_ALLOWLIST: ` ${a}, ${b} ` } });
    expect(c.auth.allowlist).toEqual([a, b]);
  });
});
