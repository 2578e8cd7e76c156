import { ConfigError, loadConfig, type LoadOptions } from './config/load.js';
import type { RelayConfig } from './config/types.js';
import { extensionSchemas, unknownExtensions } from './extension-registry.js';

/** Loads the config with every known extension's section schema, and checks extension names. */
export function loadRelayConfig(opts: Omit<LoadOptions, 'extensionSchemas'> = {}): RelayConfig {
  const config = loadConfig({ ...opts, extensionSchemas: extensionSchemas() });
  const unknown = unknownExtensions(config);
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((n) => `extensions.enabled names an unknown extension ${JSON.stringify(n)}`));
  }
  return config;
}
