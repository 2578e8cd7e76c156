import { nip19 } from 'nostr-tools';
import { ADMIN_LINK_MAX_TTL_SECONDS, ADMIN_LINK_TTL_SECONDS, createAdminLink } from '../auth/admin-session.js';
import { relayHttpUrl } from '../auth/nip98.js';
import { toHexPubkey } from '../config/pubkeys.js';
import type { RelayConfig } from '../config/types.js';
import { openStorage } from '../storage/open.js';
import type { KeyValueStore } from '../storage/types.js';
import { loadRelayConfig } from '../load-relay-config.js';

const USAGE = 'usage: admin-link [npub|hex] [--minutes N]   (N from 1 to 60, default 10; the pubkey may be omitted when there is one admin)';

/** Options of runAdminLinkCommand (tests pass a config and a store; the CLI opens the configured ones). */
export type AdminLinkOptions = {
  config?: RelayConfig;
  kv?: KeyValueStore;
  out?: (line: string) => void;
  /** Unix seconds now. */
  now?: () => number;
};

type Parsed = { ref?: string; minutes: number } | string;

function parseArgs(args: string[]): Parsed {
  let ref: string | undefined;
  let minutes = ADMIN_LINK_TTL_SECONDS / 60;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--minutes') {
      minutes = Number(args[++i]);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes * 60 > ADMIN_LINK_MAX_TTL_SECONDS) return USAGE;
    } else if (ref === undefined && !a.startsWith('-')) ref = a;
    else return USAGE;
  }
  return { ...(ref !== undefined ? { ref } : {}), minutes };
}

/** The admin the link is for: the one named (must be in auth.admin_pubkeys), or the only admin. */
function pickAdmin(config: RelayConfig, ref: string | undefined): string {
  const admins = config.auth.admin_pubkeys.map((r) => toHexPubkey(r) as string);
  if (ref === undefined) {
    if (admins.length === 1) return admins[0] as string;
    throw new Error(admins.length === 0 ? 'no admin: add your pubkey to [auth] admin_pubkeys (or RELAY_AUTH_ADMIN_PUBKEYS) first' : `${admins.length} admins are configured: name one (npub or hex)`);
  }
  const hex = toHexPubkey(ref);
  if (!hex) throw new Error(`not an npub or 64-hex pubkey: ${ref}`);
  if (!admins.includes(hex)) throw new Error('this pubkey is not in [auth] admin_pubkeys: a link would be refused');
  return hex;
}

/**
 * `relay admin-link [npub|hex] [--minutes N]`: writes a one-time sign-in secret (stored hashed,
 * with its expiry) into the store the running relay shares, and prints
 * `<public http url>/admin#link=<secret>`. The link opens a console session for that admin once;
 * a second use or a use after N minutes is refused. The server signs nothing for the admin.
 */
export async function runAdminLinkCommand(args: string[], opts: AdminLinkOptions = {}): Promise<number> {
  const out = opts.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    out(parsed);
    return 2;
  }
  const config = opts.config ?? loadRelayConfig();
  let pubkey: string;
  try {
    pubkey = pickAdmin(config, parsed.ref);
  } catch (err) {
    out(`error: ${(err as Error).message}`);
    return 1;
  }
  const storage = opts.kv ? undefined : await openStorage(config);
  try {
    const now = opts.now?.() ?? Math.floor(Date.now() / 1000);
    const { secret, expiresAt } = await createAdminLink(opts.kv ?? storage!.kv, pubkey, now, parsed.minutes * 60);
    const url = new URL('admin', relayHttpUrl(config.server.url));
    url.hash = `link=${secret}`;
    out(url.href);
    out(`single use, for ${nip19.npubEncode(pubkey)}, valid until ${new Date(expiresAt * 1000).toISOString()}`);
    return 0;
  } finally {
    await storage?.close();
  }
}
