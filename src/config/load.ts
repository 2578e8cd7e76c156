import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { applyMovedKeys } from './moved-keys.js';
import { relaySchema, type ConfigExtension } from './relay-schema.js';
import { checkField, envNamesFor, isField, parseEnvValue, type Section } from './schema-dsl.js';
import type { RelayConfig } from './types.js';

/** Every problem found in a config, reported together (RELAY_ERR_CONFIG_INVALID). */
export class ConfigError extends Error {
  readonly code = 'RELAY_ERR_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The default config file, overridden by RELAY_CONFIG. Only config/ reads process.env. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELAY_CONFIG ?? 'config/relay.toml';
}

/** Where the value of each key came from. */
export type ConfigSource = 'env' | 'file' | 'default';

// Filled by loadConfig: dotted key → source, and what the operator should fix, per loaded (frozen) config object.
const sourcesOf = new WeakMap<RelayConfig, Readonly<Record<string, ConfigSource>>>();
const warningsOf = new WeakMap<RelayConfig, readonly string[]>();
const optionsOf = new WeakMap<RelayConfig, LoadOptions>();

/** Where each key of a config made by loadConfig came from (`env` names the variable's key; `file` includes test overrides). */
export function configSources(config: RelayConfig): Readonly<Record<string, ConfigSource>> {
  return sourcesOf.get(config) ?? {};
}

/** Remembers where the keys of `config` came from (loadConfig, and a reload that merges two configs). */
export function recordSources(config: RelayConfig, sources: Readonly<Record<string, ConfigSource>>): void {
  sourcesOf.set(config, Object.freeze({ ...sources }));
}

/** Things in the file that still work but should be changed (e.g. a key that moved to an extension's section). */
export function configWarnings(config: RelayConfig): readonly string[] {
  return warningsOf.get(config) ?? [];
}

type Walk = { env: NodeJS.ProcessEnv; problems: string[]; sources: Record<string, ConfigSource> };

function walk(schema: Section, input: Record<string, unknown>, path: string, w: Walk) {
  const { env, problems } = w;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in schema)) problems.push(`unknown key ${path}${key}`);
  }
  for (const [key, node] of Object.entries(schema)) {
    const here = `${path}${key}`;
    const raw = input[key];
    if (isField(node)) {
      let value = raw === undefined ? node.default : raw;
      const envName = envNamesFor(here, node).find((name) => env[name] !== undefined);
      const fromEnv = envName ? env[envName] : undefined;
      if (fromEnv !== undefined) value = parseEnvValue(node, fromEnv);
      w.sources[here] = fromEnv !== undefined ? 'env' : raw !== undefined ? 'file' : 'default';
      const problem = checkField(envName ? `${here} (from ${envName})` : here, node, value);
      if (problem) problems.push(problem);
      out[key] = Array.isArray(value) ? [...value] : value;
    } else if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      problems.push(`${here} must be a table ([${here}])`);
    } else {
      out[key] = walk(node, (raw as Record<string, unknown>) ?? {}, `${here}.`, w);
    }
  }
  return out;
}

/** Freezes an object and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Options of loadConfig. */
export type LoadOptions = {
  /** File to read; undefined reads configPath(env); null uses defaults only. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
  /** The extensions this relay is built with: their names (the default of `extensions.enabled`) and config sections. */
  extensions?: readonly ConfigExtension[];
  /** Values layered over the file (tests). */
  overrides?: Record<string, unknown>;
};

/** Deep-merges TOML-shaped tables: `over` wins, tables merge, arrays are replaced. */
export function mergeConfigInput(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? mergeConfigInput(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Parses TOML text into a plain object, turning syntax errors into a ConfigError. */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([`${file}: ${(err as Error).message.split('\n')[0]}`]);
  }
}

/**
 * Loads, validates and deep-freezes the config. Collects every problem (unknown key, wrong
 * type, bad value) into one ConfigError naming each key and the expected form.
 */
export function loadConfig(opts: LoadOptions = {}): RelayConfig {
  const env = opts.env ?? process.env;
  const file = opts.file === undefined ? configPath(env) : opts.file;
  let input: Record<string, unknown> = {};
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
    }
    input = parseConfigText(text, file);
  }
  if (opts.overrides) input = mergeConfigInput(input, opts.overrides);
  const extensions = opts.extensions ?? [];
  const moved = applyMovedKeys(input, env, extensions);
  const warnings = moved.warnings;
  const problems: string[] = [];
  const sources: Record<string, ConfigSource> = {};
  const values = walk(relaySchema(extensions), moved.input, '', { env: moved.env, problems, sources });
  if (problems.length > 0) throw new ConfigError(problems);
  const sections: Record<string, unknown> = {};
  for (const { config: ext } of extensions) {
    if (!ext) continue;
    sections[ext.section] = values[ext.section];
    delete values[ext.section];
  }
  const config = deepFreeze({ ...values, sections, ...(file ? { file } : {}) }) as unknown as RelayConfig;
  recordSources(config, sources);
  warningsOf.set(config, Object.freeze(warnings));
  optionsOf.set(config, { ...opts, file, env });
  return config;
}

/**
 * Reads the file of `config` again with the options that made it (the same environment, test
 * overrides and extensions), so a reload sees the file's edits and nothing else. Throws
 * ConfigError like loadConfig.
 */
export function reloadConfig(config: RelayConfig): RelayConfig {
  const opts = optionsOf.get(config);
  if (!opts) throw new Error('RELAY_ERR_CONFIG_RELOAD: this config was not made by loadConfig');
  return loadConfig(opts);
}
