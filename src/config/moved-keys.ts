import type { ConfigExtension } from './relay-schema.js';
import { envNamesFor, type Field } from './schema-dsl.js';

/** The file's tables and the environment with every moved key (ExtensionConfig.movedKeys) at its new place. */
export type MovedKeys = { input: Record<string, unknown>; env: NodeJS.ProcessEnv; warnings: string[] };

// The derived variable of a dotted path (RELAY_<SECTION>_<KEY>), as envNamesFor spells it.
const derivedEnvName = (path: string) => envNamesFor(path, {} as Field).at(-1)!;

/**
 * Moves values set at a key's old path — in the file (or test overrides) or in its old derived
 * environment variable — to its extension's section, so configs written before the move keep
 * loading; each one found is a warning to rename it. A value already at the new place wins.
 */
export function applyMovedKeys(
  given: Record<string, unknown>,
  givenEnv: NodeJS.ProcessEnv,
  extensions: readonly ConfigExtension[],
): MovedKeys {
  const input = { ...given };
  let env = givenEnv;
  const warnings: string[] = [];
  for (const { config } of extensions) {
    if (!config) continue;
    for (const [oldPath, key] of Object.entries(config.movedKeys ?? {})) {
      const newPath = `${config.section}.${key}`;
      const [section, name] = oldPath.split('.') as [string, string];
      const table = input[section];
      if (table && typeof table === 'object' && name in table) {
        const { [name]: value, ...rest } = table as Record<string, unknown>;
        input[section] = rest;
        const target = (input[config.section] ?? {}) as Record<string, unknown>;
        if (!(key in target)) input[config.section] = { ...target, [key]: value };
        warnings.push(`${oldPath} moved to ${newPath}: rename it in the config file`);
      }
      const [oldEnv, newEnv] = [derivedEnvName(oldPath), derivedEnvName(newPath)];
      if (env[oldEnv] !== undefined) {
        if (env[newEnv] === undefined) env = { ...env, [newEnv]: env[oldEnv] };
        warnings.push(`${oldEnv} moved to ${newEnv} (${newPath}): rename the variable`);
      }
    }
  }
  return { input, env, warnings };
}
