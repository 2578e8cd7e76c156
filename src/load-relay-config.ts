import { ConfigError, loadConfig, type LoadOptions } from './config/load.js';
import type { RelayConfig } from './config/types.js';
import { configExtensions, unknownExtensions } from './extension-registry.js';

/** Loads the config with every known extension's section, and checks extension names. */
export function loadRelayConfig(opts: Omit<LoadOptions, 'extensions'> = {}): RelayConfig {
  const config = loadConfig({ ...opts, extensions: configExtensions() });
  const unknown = unknownExtensions(config);
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((n) => `extensions.enabled names an unknown extension ${JSON.stringify(n)}`));
  }
  return config;
}
