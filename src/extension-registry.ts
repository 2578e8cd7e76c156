import type { ConfigExtension } from './config/relay-schema.js';
import type { RelayConfig } from './config/types.js';
import type { ExtensionDeps, RelayExtension } from './relay/extension.js';
import type { RelayHooks } from './relay/hooks.js';
import { createMlsGateway } from '../extensions/mls-gateway/index.js';

/** The one place in src/ that names extensions/: each known extension's factory, by name. */
export const extensionRegistry: Record<string, () => RelayExtension> = {
  'mls-gateway': () => createMlsGateway(),
};

let known: readonly ConfigExtension[] | undefined;

/** Every known extension's name and config section (what the config loader, docs and admin console need). */
export function configExtensions(): readonly ConfigExtension[] {
  // An extension is created only to read its section: creating one has no side effects until register().
  known ??= Object.entries(extensionRegistry).map(([name, create]) => {
    const { config } = create();
    return config ? { name, config } : { name };
  });
  return known;
}

/** Names in `extensions.enabled` that no extension answers to. */
export function unknownExtensions(config: RelayConfig): string[] {
  return config.extensions.enabled.filter((name) => !(name in extensionRegistry));
}

/**
 * Creates and registers the enabled extensions, in the listed order. An extension whose section
 * says `enabled = false` is skipped. `liveConfig` is the relay's config as of the last reload.
 */
export async function loadExtensions(
  config: RelayConfig,
  hooks: RelayHooks,
  deps: Omit<ExtensionDeps, 'config' | 'liveConfig'> & { liveConfig: () => RelayConfig },
): Promise<RelayExtension[]> {
  const loaded: RelayExtension[] = [];
  for (const name of config.extensions.enabled) {
    const create = extensionRegistry[name];
    if (!create) throw new Error(`unknown extension ${name}`);
    const ext = create();
    const sectionOf = (c: RelayConfig) => (ext.config ? (c.sections[ext.config.section] ?? {}) : {});
    const section = sectionOf(config);
    if (section.enabled === false) continue;
    const extDeps = { ...deps, config: section, liveConfig: () => sectionOf(deps.liveConfig()), logger: deps.logger.child({ ext: name }) };
    await ext.register(hooks, extDeps);
    loaded.push(ext);
  }
  return loaded;
}
