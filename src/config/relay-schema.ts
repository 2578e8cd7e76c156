import { isField, type Field, type Section } from './schema-dsl.js';
import { coreSchema } from './schema.js';

/**
 * What an extension contributes to the config (RelayExtension.config): its own TOML section —
 * keys, types, defaults, docs and which keys reload — validated by the loader like the core's.
 */
export type ExtensionConfig = {
  /** The TOML section, e.g. `my_extension` for `[my_extension]`; its values reach the extension as `deps.config`. */
  readonly section: string;
  readonly schema: Section;
  /**
   * Keys that moved into this section from a core one: old dotted path → key of this section. A
   * file that still sets the old path loads (the value moves here) with a warning to update it.
   */
  readonly movedKeys?: Readonly<Record<string, string>>;
};

/** An extension as the config sees it: its name (in `extensions.enabled`) and its section, if any. */
export type ConfigExtension = { readonly name: string; readonly config?: ExtensionConfig };

/**
 * The whole schema of a relay built with these extensions: the core sections, with
 * `extensions.enabled` defaulting to every one of them, then each extension's section.
 */
export function relaySchema(extensions: readonly ConfigExtension[] = []): Section {
  const enabled = { ...coreSchema.extensions.enabled, default: extensions.map((e) => e.name) };
  const out: Record<string, Field | Section> = { ...coreSchema, extensions: { ...coreSchema.extensions, enabled } };
  for (const { config } of extensions) if (config) out[config.section] = config.schema;
  return out;
}

/** One key of the relay schema. */
export type SchemaKey = {
  /** Dotted TOML path, e.g. `limits.max_filters` or `my_extension.ttl`. */
  key: string;
  field: Field;
  /** Where the value sits in a RelayConfig (extension sections live under `sections`). */
  at: readonly string[];
};

function keysOf(section: Section, prefix: string, at: readonly string[]): SchemaKey[] {
  return Object.entries(section).flatMap(([name, node]) =>
    isField(node)
      ? [{ key: `${prefix}${name}`, field: node, at: [...at, name] }]
      : keysOf(node, `${prefix}${name}.`, [...at, name]),
  );
}

/** Every key of the relay schema (core first, then each extension's section), in declaration order. */
export function schemaKeys(extensions: readonly ConfigExtension[] = []): SchemaKey[] {
  const sections = new Set(extensions.flatMap((e) => (e.config ? [e.config.section] : [])));
  return Object.entries(relaySchema(extensions)).flatMap(([name, node]) => {
    const at = sections.has(name) ? ['sections', name] : [name];
    return isField(node) ? [{ key: name, field: node, at }] : keysOf(node, `${name}.`, at);
  });
}

/** The value at `at` in a config (undefined when a table on the way is missing). */
export function valueAt(config: unknown, at: readonly string[]): unknown {
  let cur: unknown = config;
  for (const p of at) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}
