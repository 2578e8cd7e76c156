/**
 * `reloadable: true` is a promise: every component that uses the key reads it from the live config
 * when it needs it. This checks it generically for every key of every schema (core and extensions):
 * after a reload, the running relay's config is swapped for a view that records every key read
 * through it and the source file that read it; a workload touches every path (connections, AUTH,
 * EVENT, REQ, COUNT, strangers' deliveries, NIP-11, HTTP). Every key marked reloadable must have
 * been read from that view, by every source file that names it (`.<key>` in a file that names its
 * section). A component that kept a copy from start never reads the view, and is reported here.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaKeys } from '../../src/config/relay-schema.js';
import type { RelayConfig } from '../../src/config/types.js';
import { configExtensions } from '../../src/extension-registry.js';
import { authAs, count, nip86, publish } from '../auth/e2e-support.js';
import { nip98Header } from '../mls-gateway/e2e-support.js';
import { RawClient } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { nip11, startFileRelay, type FileRelay } from './reload-support.js';

/**
 * A read-only view of `config` that adds the dotted path of every value read through it to `reads`.
 * Its targets are empty objects, as a proxy of the frozen config would have to return the frozen
 * (unrecorded) tables themselves.
 */
function recordingView(config: RelayConfig, reads: Map<string, Set<string>>): RelayConfig {
  const views = new Map<string, object>();
  const view = (table: Record<string, unknown>, path: string): object => {
    const cached = views.get(path);
    if (cached) return cached;
    const valueOf = (prop: string) => {
      const here = path ? `${path}.${prop}` : prop;
      const readers = reads.get(here) ?? new Set<string>();
      for (const file of readerFiles()) readers.add(file);
      reads.set(here, readers);
      const value = table[prop];
      return value && typeof value === 'object' && !Array.isArray(value) ? view(value as Record<string, unknown>, here) : value;
    };
    const proxy = new Proxy(
      {},
      {
        get: (_t, prop) => (typeof prop === 'string' ? valueOf(prop) : undefined),
        has: (_t, prop) => prop in table,
        ownKeys: () => Reflect.ownKeys(table),
        getOwnPropertyDescriptor: (_t, prop) =>
          typeof prop === 'string' && prop in table
            ? { value: valueOf(prop), enumerable: true, configurable: true, writable: false }
            : undefined,
      },
    );
    views.set(path, proxy);
    return proxy;
  };
  return view(config as unknown as Record<string, unknown>, '') as RelayConfig;
}

const ROOT = join(import.meta.dirname, '..', '..');

/** The two innermost source files (relative to the repository) on the stack, outside the tests: who is reading. */
function readerFiles(): string[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const files: string[] = [];
  for (const frame of stack.split('\n').slice(1)) {
    const match = /\(?(?:file:\/\/)?(\/[^():]+\.ts):\d+:\d+\)?$/.exec(frame.trim());
    const path = match ? relative(ROOT, match[1]!) : undefined;
    if (path && (path.startsWith('src/') || path.startsWith('extensions/'))) files.push(path);
    // The reader and its caller: a getter (e.g. the live `required` of an options object) is read for its caller.
    if (files.length === 2) break;
  }
  return files;
}

/** Every .ts file under the given folders of the repository. */
function sourceFiles(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f)),
  );
}

/** The code of a source file without its comments and single-quoted strings (metric help texts name keys). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'/g, "''");
}

/**
 * Files of the running relay that use `section.key`: they name `.key` and the section (key names
 * alone are too common, e.g. `pubkey`). src/config/ is the config itself; src/cli/ edits the file.
 */
function staticReaders(files: { path: string; text: string }[], section: string, key: string): string[] {
  const use = new RegExp(`\\.${key}\\b`);
  const names = new RegExp(`\\b${section}\\b`);
  return files.filter((f) => use.test(f.text) && names.test(f.text)).map((f) => f.path);
}

/**
 * Reads the workload does not reach, each through the live `ctx.config` getter: `file key` → why.
 * Keep it short: every entry is a read this test cannot vouch for.
 */
const NOT_EXERCISED: Record<string, string> = {
  'src/relay/dispatch.ts limits.max_subid_length': 'only when a queued REQ overflows the connection queue or its handler throws',
  'src/server.ts auth.required': 'also read once at start, for the warning about an empty allowlist',
};

const [alice, bob, admin, stranger] = [identity(), identity(), identity(), identity()];

describe('every reloadable key is consumed live', () => {
  let relay: FileRelay;
  const reads = new Map<string, Set<string>>();
  beforeAll(async () => {
    const auth = { required: true, allowlist: [alice.pk], admin_pubkeys: [admin.pk], inbox_from_anyone: true, public_read_kinds: [0] };
    relay = await startFileRelay({ auth });
    // A real reload first (the watcher, the merge), then the recording view of what it produced.
    const reloaded = await relay.edit({ auth: { ...auth, allowlist: [alice.pk, bob.pk] } });
    expect(reloaded.auth.allowlist).toEqual([alice.pk, bob.pk]);
    relay.server.liveConfig.replace(recordingView(reloaded, reads));
  });
  afterAll(async () => relay?.stop());

  it('reads each key marked reloadable from the live config while serving clients', async () => {
    // A stranger: connection limits and timeouts, pre-auth frame budget, public kinds, an inbox delivery.
    const anon = await RawClient.open(relay.server.wsUrl);
    expect((await anon.req('public', { kinds: [0] })).closed).toBeUndefined();
    const wrap = signed(stranger, { kind: 1059, tags: [['p', alice.pk]], content: randomBytes(64).toString('base64') });
    expect((await publish(anon, wrap))[0]).toBe(true);
    anon.close();
    // A member: AUTH, an event, a group message, a REQ and a COUNT.
    const member = await RawClient.open(relay.server.wsUrl);
    expect((await authAs(member, alice))[0]).toBe(true);
    expect((await publish(member, signed(alice, { content: 'hello' })))[0]).toBe(true);
    const groupMessage = signed(identity(), { kind: 445, tags: [['h', 'group1']], content: randomBytes(40).toString('base64') });
    expect((await publish(member, groupMessage))[0]).toBe(true);
    expect((await member.req('mine', { authors: [alice.pk] })).events).toHaveLength(1);
    expect(await count(member, 'n', { kinds: [1] })).toBe(1);
    member.close();
    // A NIP-98 call to the gateway's REST API (auth.required of HTTP auth), and a ban of one of a live session's two identities.
    const path = `/api/v1/mls/keypackages?owner=${alice.pk}`;
    const rest = await fetch(`${relay.server.httpUrl}${path}`, { headers: { authorization: nip98Header(alice, `http://relay.test${path}`, 'GET') } });
    expect(rest.status).toBe(200);
    const banned = await RawClient.open(relay.server.wsUrl);
    expect((await authAs(banned, bob))[0]).toBe(true);
    expect((await authAs(banned, alice))[0]).toBe(true);
    expect((await nip86(relay.server.httpUrl, admin, 'banpubkey', [bob.pk])).json.result).toBe(true);
    banned.close();
    // HTTP: NIP-11 on the public port (rate-limited per IP), and the metrics listener.
    expect((await nip11(relay.server)).name).toBe('mls-relay');
    expect((await fetch(relay.server.metricsUrl)).status).toBe(200);

    const reloadable = schemaKeys(configExtensions()).filter(({ field }) => field.reloadable);
    expect(reloadable.length).toBeGreaterThan(30);
    const files = sourceFiles('src', 'extensions')
      .filter((path) => !path.startsWith('src/config/') && !path.startsWith('src/cli/'))
      .map((path) => ({ path, text: code(readFileSync(join(ROOT, path), 'utf8')) }));
    const notLive: string[] = [];
    for (const { key, at } of reloadable) {
      const readers = reads.get(at.join('.')) ?? new Set<string>();
      const [section, name] = [at[at.length - 2]!, at[at.length - 1]!];
      const missing = staticReaders(files, section, name).filter((f) => !readers.has(f) && !NOT_EXERCISED[`${f} ${key}`]);
      if (readers.size === 0) notLive.push(`${key}: never read from the live config`);
      else if (missing.length > 0) notLive.push(`${key}: ${missing.join(', ')} does not read it live (live readers: ${[...readers].join(', ')})`);
    }
    expect(notLive).toEqual([]);
  });
});
