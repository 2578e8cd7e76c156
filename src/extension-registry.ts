import type { Section } from './config/schema-dsl.js';
import type { RelayConfig } from './config/types.js';
import type { ExtensionDeps, RelayExtension } from './relay/extension.js';
import type { RelayHooks } from './relay/hooks.js';
import { createMlsGateway, mlsGatewaySchema } from '../extensions/mls-gateway/index.js';

/** A known extension: its TOML section and schema, and its factory. */
type ExtensionEntry = { section: string; schema: Section; create: () => RelayExtension };

/** The one place in src/ that names extensions/. */
export const extensionRegistry: Record<string, ExtensionEntry> = {
  'mls-gateway': { section: 'mls_gateway', schema: mlsGatewaySchema, create: () => createMlsGateway() },
};

/** Config schemas of every known extension, keyed by TOML section. */
export function extensionSchemas(): Record<string, Section> {
  return Object.fromEntries(Object.values(extensionRegistry).map((e) => [e.section, e.schema]));
}

/** Names in `extensions.enabled` that no extension answers to. */
export function unknownExtensions(config: RelayConfig): string[] {
  return config.extensions.enabled.filter((name) => !(name in extensionRegistry));
}

/**
 * Creates and registers the enabled extensions, in the listed order. An extension whose section
 * says `enabled = false` is skipped.
 */
export async function loadExtensions(
  config: RelayConfig,
  hooks: RelayHooks,
  deps: Omit<ExtensionDeps, 'config'>,
): Promise<RelayExtension[]> {
  const loaded: RelayExtension[] = [];
  for (const name of config.extensions.enabled) {
    const entry = extensionRegistry[name];
    if (!entry) throw new Error(`unknown extension ${name}`);
    const section = config.sections[entry.section] ?? {};
    if (section.enabled === false) continue;
    const ext = entry.create();
    await ext.register(hooks, { ...deps, config: section, logger: deps.logger.child({ ext: name }) });
    loaded.push(ext);
  }
  return loaded;
}
