import { configSources, type ConfigSource } from './load.js';
import { isField, type Section } from './schema-dsl.js';
import { coreSchema } from './schema.js';
import type { RelayConfig } from './types.js';

/** One key of the effective configuration, as the admin console shows it. */
export type DescribedKey = {
  /** Dotted path, e.g. `auth.allowlist` or `mls_gateway.low_pool_threshold`. */
  key: string;
  /** The effective value; `"[redacted]"` for a non-empty secret. */
  value: unknown;
  source: ConfigSource;
  /** Applied by a hot reload of the config file without restart. */
  reloadable: boolean;
  secret: boolean;
  description: string;
};

/** What stands in for a secret's value. */
export const REDACTED = '[redacted]';

function valueAt(root: Record<string, unknown>, parts: string[]): unknown {
  let cur: unknown = root;
  for (const p of parts) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

/**
 * Every key of the effective configuration with its source (env, file or defaults), whether it
 * reloads live, and secrets redacted. Extension sections are read from `config.sections`.
 */
export function describeConfig(config: RelayConfig, extensionSchemas: Record<string, Section> = {}): DescribedKey[] {
  const sources = configSources(config);
  const out: DescribedKey[] = [];
  const visit = (schema: Section, values: Record<string, unknown>, prefix: string) => {
    for (const [name, node] of Object.entries(schema)) {
      const key = `${prefix}${name}`;
      if (!isField(node)) {
        visit(node, (values[name] as Record<string, unknown>) ?? {}, `${key}.`);
        continue;
      }
      const secret = node.secret === true;
      const raw = values[name];
      out.push({
        key,
        value: secret && raw !== '' && raw !== undefined ? REDACTED : raw,
        source: sources[key] ?? 'default',
        reloadable: node.reloadable === true,
        secret,
        description: node.description,
      });
    }
  };
  visit(coreSchema, config as unknown as Record<string, unknown>, '');
  for (const [section, schema] of Object.entries(extensionSchemas)) {
    visit(schema, (valueAt(config as unknown as Record<string, unknown>, ['sections', section]) as Record<string, unknown>) ?? {}, `${section}.`);
  }
  return out;
}
