import type { CoreConfig } from './schema.js';

/**
 * The validated, frozen relay configuration: the core sections (types inferred from
 * src/config/schema.ts), the extension sections, and the file it came from.
 */
export type RelayConfig = CoreConfig & {
  /** Extension sections (keyed by TOML section name), each validated by its extension's schema. */
  readonly sections: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The file this config came from, if any. */
  readonly file?: string;
};
