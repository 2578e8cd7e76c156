import { isHex64 } from '../nostr/event.js';
import { toHexPubkey } from '../config/pubkeys.js';
import type { AccessControl } from './access-control.js';

/** What an admin method may use besides AccessControl. */
export type AdminDeps = {
  access: AccessControl;
  /** Removes a banned event from the store (and wherever else it lives). */
  onBanEvent?: (id: string) => Promise<void> | void;
};

/** A NIP-86 method: the params array in, the JSON result out; throws AdminParamsError on bad params. */
type Method = (params: unknown[], deps: AdminDeps) => Promise<unknown> | unknown;

/** Bad parameters of a NIP-86 call (answered with an error, HTTP 400). */
export class AdminParamsError extends Error {
  readonly code = 'RELAY_ERR_ADMIN_PARAMS';
}

function pubkeyParam(params: unknown[]): string {
  const hex = typeof params[0] === 'string' ? toHexPubkey(params[0]) : undefined;
  if (!hex) throw new AdminParamsError('params[0] must be a 32-byte hex pubkey (or npub)');
  return hex;
}

function idParam(params: unknown[]): string {
  const id = typeof params[0] === 'string' ? params[0].toLowerCase() : undefined;
  if (!isHex64(id)) throw new AdminParamsError('params[0] must be a 32-byte hex event id');
  return id;
}

function reasonParam(params: unknown[]): string | undefined {
  const r = params[1];
  if (r === undefined || r === null || r === '') return undefined;
  if (typeof r !== 'string') throw new AdminParamsError('params[1] (reason) must be a string');
  return r.slice(0, 500);
}

const methods: Record<string, Method> = {
  supportedmethods: () => supportedMethods(),
  allowpubkey: async (p, d) => (await d.access.allow(pubkeyParam(p), reasonParam(p)), true),
  unallowpubkey: async (p, d) => {
    const pubkey = pubkeyParam(p);
    await d.access.unallow(pubkey);
    // Say so rather than answer true while the pubkey keeps its access through the file.
    if (d.access.isAllowed(pubkey)) {
      throw new AdminParamsError('removed the API allow, but the config file or admin_pubkeys still allows this pubkey (edit the file, or use banpubkey)');
    }
    return true;
  },
  banpubkey: async (p, d) => (await d.access.ban(pubkeyParam(p), reasonParam(p)), true),
  unbanpubkey: async (p, d) => (await d.access.unban(pubkeyParam(p)), true),
  listallowedpubkeys: (_p, d) => d.access.listAllowed(),
  listbannedpubkeys: (_p, d) => d.access.listBanned(),
  banevent: async (p, d) => {
    const id = idParam(p);
    await d.access.banEvent(id, reasonParam(p));
    await d.onBanEvent?.(id);
    return true;
  },
  allowevent: async (p, d) => (await d.access.unbanEvent(idParam(p)), true),
  listbannedevents: (_p, d) => d.access.listBannedEvents(),
};
// `disallowpubkey` is the name some clients use for unallowpubkey.
methods.disallowpubkey = methods.unallowpubkey as Method;

/** Names of the NIP-86 methods this relay answers. */
export function supportedMethods(): string[] {
  return Object.keys(methods).sort();
}

/** The methods that change nothing: their NIP-98 token may be used again by the same client (nip98.ts mayReuse). */
const READ_METHODS: ReadonlySet<string> = new Set(['supportedmethods', 'listallowedpubkeys', 'listbannedpubkeys', 'listbannedevents']);

/** True when `name` is a method that only reads. */
export function isReadMethod(name: string): boolean {
  return READ_METHODS.has(name);
}

/** True when `name` is a supported method. */
export function isAdminMethod(name: string): boolean {
  return Object.hasOwn(methods, name);
}

/** Runs a NIP-86 method (check isAdminMethod first). Throws AdminParamsError on bad params. */
export async function runAdminMethod(name: string, params: unknown[], deps: AdminDeps): Promise<unknown> {
  const method = methods[name];
  if (!method) throw new AdminParamsError(`unsupported method ${JSON.stringify(name.slice(0, 64))}`);
  return method(params, deps);
}
