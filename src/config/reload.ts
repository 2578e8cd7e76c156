import type { Logger } from 'pino';
import type { LiveConfig } from './live.js';
import { configSources, configWarnings, deepFreeze, recordSources, type ConfigSource } from './load.js';
import { schemaKeys, valueAt, type ConfigExtension } from './relay-schema.js';
import type { RelayConfig } from './types.js';
import { watchConfigFile, type ConfigFileWatcher } from './watch.js';

/** What a reload does with a freshly loaded config. */
export type ReloadPlan = {
  /** The running config with every changed reloadable key taken from the new one. */
  config: RelayConfig;
  /** Changed keys the reload applies (dotted TOML paths). */
  applied: string[];
  /** Changed keys marked `reloadable: false`: they keep their running value until a restart. */
  needRestart: string[];
};

function setAt(root: Record<string, unknown>, at: readonly string[], value: unknown): void {
  let cur = root;
  for (const p of at.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[at[at.length - 1]!] = value;
}

/**
 * Merges `next` (a valid config just loaded from the file) into `current`: a changed key marked
 * reloadable takes its new value, any other changed key keeps the running one and is listed as
 * needing a restart (the component that uses it was built with it).
 */
export function planReload(current: RelayConfig, next: RelayConfig, extensions: readonly ConfigExtension[] = []): ReloadPlan {
  const merged = structuredClone(current) as unknown as Record<string, unknown>;
  const sources: Record<string, ConfigSource> = { ...configSources(current) };
  const nextSources = configSources(next);
  const applied: string[] = [];
  const needRestart: string[] = [];
  for (const { key, field, at } of schemaKeys(extensions)) {
    const value = valueAt(next, at);
    if (JSON.stringify(valueAt(current, at)) === JSON.stringify(value)) continue;
    if (!field.reloadable) {
      needRestart.push(key);
      continue;
    }
    setAt(merged, at, structuredClone(value));
    sources[key] = nextSources[key] ?? 'file';
    applied.push(key);
  }
  const config = deepFreeze(merged) as unknown as RelayConfig;
  recordSources(config, sources);
  return { config, applied, needRestart };
}

/** Options of watchRelayConfig. */
export type ConfigReloadOptions = {
  file: string;
  live: LiveConfig;
  /** Loads and validates the whole file, as at start (with the extensions' sections). */
  load: () => RelayConfig;
  extensions: readonly ConfigExtension[];
  logger: Logger;
  /** Quiet time after a change event, and the fallback poll interval, in ms (tests). */
  debounceMs?: number;
  pollMs?: number;
};

/**
 * Hot reload: watches the config file and, after each valid edit, applies the changed reloadable
 * keys to `live` and logs the changed keys that need a restart (names only: values may be secret).
 * An invalid file keeps the running config and logs why (watchConfigFile).
 */
export function watchRelayConfig(opts: ConfigReloadOptions): ConfigFileWatcher {
  const log = opts.logger.child({ component: 'config-reload' });
  return watchConfigFile({
    file: opts.file,
    load: opts.load,
    logger: opts.logger,
    ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    onLoad: (next) => {
      const plan = planReload(opts.live.current, next, opts.extensions);
      for (const warning of configWarnings(next)) log.warn({ file: opts.file }, warning);
      if (plan.needRestart.length > 0) {
        log.warn({ file: opts.file, keys: plan.needRestart }, 'config keys changed that apply only after a restart');
      }
      if (plan.applied.length === 0) return;
      opts.live.replace(plan.config);
      log.info({ file: opts.file, keys: plan.applied }, 'config reloaded');
    },
  });
}
