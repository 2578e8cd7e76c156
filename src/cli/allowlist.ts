import { readFileSync, writeFileSync } from 'node:fs';
import { nip19 } from 'nostr-tools';
import { addToAllowlist, removeFromAllowlist } from '../auth/allowlist-toml.js';
import { ConfigError, configPath } from '../config/load.js';
import { toHexPubkey } from '../config/pubkeys.js';
import { loadRelayConfig } from '../load-relay-config.js';

/** Options of runAllowlistCommand. */
export type AllowlistCommandOptions = {
  /** The config file to edit; defaults to $RELAY_CONFIG or config/relay.toml. */
  configFile?: string;
  /** Where lines are printed (stdout by default). */
  out?: (line: string) => void;
};

const USAGE = 'usage: allowlist add <npub|hex> | allowlist remove <npub|hex> | allowlist list';

function show(hex: string): string {
  return `${nip19.npubEncode(hex)} (${hex})`;
}

/** The file's own lists (env overrides ignored) — validates the whole file as the relay would. */
function fileLists(file: string) {
  const config = loadRelayConfig({ file, env: {} });
  return { allowlist: config.auth.allowlist, admins: config.auth.admin_pubkeys };
}

function warnIfEnvOverrides(file: string, out: (line: string) => void): void {
  const withEnv = loadRelayConfig({ file }).auth.allowlist;
  const own = fileLists(file).allowlist;
  if (withEnv.join(',') !== own.join(',')) {
    out('note: RELAY_AUTH_ALLOWLIST is set and overrides the file\'s allowlist for a relay started with this environment');
  }
}

function list(file: string, out: (line: string) => void): number {
  const { allowlist, admins } = fileLists(file);
  out(`${file}: ${allowlist.length} allowed, ${admins.length} admin(s)`);
  for (const ref of allowlist) out(`  allowed ${show(toHexPubkey(ref) as string)}`);
  for (const ref of admins) out(`  admin   ${show(toHexPubkey(ref) as string)}`);
  warnIfEnvOverrides(file, out);
  return 0;
}

function edit(file: string, verb: 'add' | 'remove', ref: string, out: (line: string) => void): number {
  const hex = toHexPubkey(ref);
  if (!hex) {
    out(`not an npub or 64-hex pubkey: ${ref}`);
    return 2;
  }
  const before = readFileSync(file, 'utf8');
  const result = verb === 'add' ? addToAllowlist(before, ref) : removeFromAllowlist(before, ref);
  if (!result.changed) {
    out(verb === 'add' ? `already allowed: ${show(hex)}` : `not in the allowlist of ${file}: ${show(hex)}`);
    return 0;
  }
  // Written in place (same inode, same permissions); a running relay's file watcher applies it.
  writeFileSync(file, result.text);
  let after: readonly string[];
  try {
    after = fileLists(file).allowlist;
  } catch (err) {
    writeFileSync(file, before);
    const why = err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message;
    out(`edit refused, ${file} left unchanged: ${why}`);
    return 1;
  }
  const present = after.some((r) => toHexPubkey(r) === hex);
  if (present !== (verb === 'add')) {
    writeFileSync(file, before);
    out(`edit did not take effect, ${file} left unchanged`);
    return 1;
  }
  out(`${verb === 'add' ? 'added' : 'removed'} ${show(hex)} ${verb === 'add' ? 'to' : 'from'} [auth] allowlist of ${file} (${after.length} ${after.length === 1 ? 'entry' : 'entries'})`);
  warnIfEnvOverrides(file, out);
  return 0;
}

/**
 * `relay allowlist add|remove|list <npub|hex>`: edits `[auth] allowlist` of the TOML config in
 * place, keeping comments and other keys, then re-validates the file (restoring it if invalid).
 * A running relay picks the change up through its file watcher. Resolves to the exit code.
 */
export async function runAllowlistCommand(args: string[], opts: AllowlistCommandOptions = {}): Promise<number> {
  const out = opts.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const file = opts.configFile ?? configPath();
  const [verb, ref] = args;
  try {
    if (verb === 'list' && args.length === 1) return list(file, out);
    if ((verb === 'add' || verb === 'remove') && ref !== undefined && args.length === 2) return edit(file, verb, ref, out);
  } catch (err) {
    out(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    return 1;
  }
  out(USAGE);
  return 2;
}
