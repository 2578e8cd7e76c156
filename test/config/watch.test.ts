import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { LiveConfig } from '../../src/config/live.js';
import { loadConfig } from '../../src/config/load.js';
import { watchRelayConfig } from '../../src/config/reload.js';
import type { ConfigFileWatcher } from '../../src/config/watch.js';
import { identity } from '../helpers.js';

const [a, b, c] = [identity(), identity(), identity()];

function toml(allowlist: string[], extra = ''): string {
  return `# relay config\n[server]\nport = 8080\n\n[auth]\n# members\nallowlist = ${JSON.stringify(allowlist)}\nadmin_pubkeys = ["${c.pk}"]\n${extra}`;
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

type AuthLists = { allowlist: readonly string[]; admins: readonly string[] };

describe('config file watcher (the allowlist, a reloadable key)', () => {
  let dir: string;
  let file: string;
  let watcher: ConfigFileWatcher | undefined;
  let changes: AuthLists[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allowlist-watch-'));
    file = join(dir, 'relay.toml');
    writeFileSync(file, toml([a.pk]));
    changes = [];
  });
  afterEach(() => {
    watcher?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (opts: { pollMs?: number } = {}) => {
    // The relay started from the first version of the file.
    const live = new LiveConfig(loadConfig({ file: null, env: {}, overrides: { auth: { allowlist: [a.pk], admin_pubkeys: [c.pk] } } }));
    live.onChange((next, prev) => {
      if (next.auth.allowlist !== prev.auth.allowlist || next.auth.admin_pubkeys !== prev.auth.admin_pubkeys) {
        changes.push({ allowlist: next.auth.allowlist, admins: next.auth.admin_pubkeys });
      }
    });
    watcher = watchRelayConfig({
      file,
      live,
      logger: pino({ level: 'silent' }),
      load: () => loadConfig({ file, env: {} }),
      extensions: [],
      ...opts,
    });
    return watcher;
  };

  it('applies an in-place edit (waits up to 3 s; fs.watch or the 1 s poll picks it up)', async () => {
    await start().check();
    expect(changes).toEqual([]);
    writeFileSync(file, toml([a.pk, b.pk]));
    await until(() => changes.length === 1);
    expect(changes[0]).toEqual({ allowlist: [a.pk, b.pk], admins: [c.pk] });
  });

  it('follows editors that write a new file and rename it over the old one', async () => {
    await start().check();
    const tmp = join(dir, '.relay.toml.swp');
    writeFileSync(tmp, toml([b.pk]));
    renameSync(tmp, file);
    await until(() => changes.length === 1);
    expect(changes[0]?.allowlist).toEqual([b.pk]);
    writeFileSync(tmp, toml([a.pk]));
    renameSync(tmp, file);
    await until(() => changes.length === 2);
    expect(changes[1]?.allowlist).toEqual([a.pk]);
  });

  it('keeps the old lists when the file becomes invalid, then applies the next valid edit', async () => {
    await start().check();
    writeFileSync(file, toml(['not-a-pubkey']));
    await watcher!.check();
    writeFileSync(file, '[auth\nallowlist = ');
    await watcher!.check();
    expect(changes).toEqual([]);
    writeFileSync(file, toml([b.pk]));
    await until(() => changes.length === 1);
    expect(changes[0]?.allowlist).toEqual([b.pk]);
  });

  it('ignores edits that leave the auth lists unchanged', async () => {
    await start().check();
    writeFileSync(file, toml([a.pk], '\n[logging]\nlevel = "debug"\n'));
    await watcher!.check();
    writeFileSync(file, toml([a.pk, b.pk]));
    await until(() => changes.length === 1);
    expect(changes).toHaveLength(1);
  });

  it('applies a difference found at the first read (the file changed between boot and watch)', async () => {
    writeFileSync(file, toml([b.pk]));
    await start().check();
    expect(changes).toEqual([{ allowlist: [b.pk], admins: [c.pk] }]);
  });
});
