import { configSources, type ConfigSource } from './load.js';
import { schemaKeys, valueAt, type ConfigExtension } from './relay-schema.js';
import type { RelayConfig } from './types.js';

/** One key of the effective configuration, as the admin console shows it. */
export type DescribedKey = {
  /** Dotted path, e.g. `auth.allowlist` or `<extension section>.<key>`. */
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

/**
 * Every key of the effective configuration with its source (env, file or defaults), whether it
 * reloads live, and secrets redacted. Extension sections are read from `config.sections`.
 */
export function describeConfig(config: RelayConfig, extensions: readonly ConfigExtension[] = []): DescribedKey[] {
  const sources = configSources(config);
  return schemaKeys(extensions).map(({ key, field, at }) => {
    const secret = field.secret === true;
    const raw = valueAt(config, at);
    return {
      key,
      value: secret && raw !== '' && raw !== undefined ? REDACTED : raw,
      source: sources[key] ?? 'default',
      reloadable: field.reloadable === true,
      secret,
      description: field.description,
    };
  });
}
