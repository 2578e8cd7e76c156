import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { checkField, envNamesFor, isField, parseEnvValue, type Section } from './schema-dsl.js';
import { coreSchema } from './schema.js';
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

// Filled by loadConfig: dotted key → source, per loaded (frozen) config object.
const sourcesOf = new WeakMap<RelayConfig, Readonly<Record<string, ConfigSource>>>();

/** Where each key of a config made by loadConfig came from (`env` names the variable's key; `file` includes test overrides). */
export function configSources(config: RelayConfig): Readonly<Record<string, ConfigSource>> {
  return sourcesOf.get(config) ?? {};
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

function deepFreeze<T>(value: T): T {
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
  /** Schemas of extension sections, keyed by TOML section name. */
  extensionSchemas?: Record<string, Section>;
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
  const schema: Section = { ...coreSchema, ...(opts.extensionSchemas ?? {}) };
  const problems: string[] = [];
  const sources: Record<string, ConfigSource> = {};
  const values = walk(schema, input, '', { env, problems, sources });
  if (problems.length > 0) throw new ConfigError(problems);
  const sections: Record<string, unknown> = {};
  for (const name of Object.keys(opts.extensionSchemas ?? {})) {
    sections[name] = values[name];
    delete values[name];
  }
  const config = deepFreeze({ ...values, sections, ...(file ? { file } : {}) }) as unknown as RelayConfig;
  sourcesOf.set(config, Object.freeze(sources));
  return config;
}
