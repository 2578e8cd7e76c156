import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { watchAllowlistFile, type AllowlistWatcher, type AuthLists } from '../../src/auth/allowlist-file.js';
import { loadConfig } from '../../src/config/load.js';
import { identity } from '../helpers.js';

const [a, b, c] = [identity(), identity(), identity()];

function toml(allowlist: string[], extra = ''): string {
  return `# relay config\n[server]\nport = 8080\n\n[auth]\n# members\nallowlist = ${JSON.stringify(allowlist)}\nadmin_pubkeys = ["${c.pk}"]\n${extra}`;
}


describe('allowlist file watcher', () => {
  let dir: string;
  let file: string;
  let watcher: AllowlistWatcher | undefined;
  let changes: AuthLists[];
  let changed: (() => void) | undefined;

  /** Resolves once `onChange` has been called `n` times in all (fs.watch or the 1 s poll sees the edit). */
  const changeCount = (n: number, timeoutMs = 3000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fewer than ${n} changes after ${timeoutMs} ms`)), timeoutMs);
      changed = () => {
        if (changes.length < n) return;
        clearTimeout(timer);
        resolve();
      };
      changed();
    });

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
    watcher = watchAllowlistFile({
      file,
      logger: pino({ level: 'silent' }),
      load: () => loadConfig({ file, env: {} }),
      initial: { allowlist: [a.pk], admins: [c.pk] },
      onChange: (lists) => {
        changes.push(lists);
        changed?.();
      },
      ...opts,
    });
    return watcher;
  };

  it('applies an in-place edit (fs.watch or the 1 s poll picks it up)', async () => {
    await start().check();
    expect(changes).toEqual([]);
    writeFileSync(file, toml([a.pk, b.pk]));
    await changeCount(1);
    expect(changes[0]).toEqual({ allowlist: [a.pk, b.pk], admins: [c.pk] });
  });

  it('follows editors that write a new file and rename it over the old one', async () => {
    await start().check();
    const tmp = join(dir, '.relay.toml.swp');
    writeFileSync(tmp, toml([b.pk]));
    renameSync(tmp, file);
    await changeCount(1);
    expect(changes[0]?.allowlist).toEqual([b.pk]);
    writeFileSync(tmp, toml([a.pk]));
    renameSync(tmp, file);
    await changeCount(2);
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
    await changeCount(1);
    expect(changes[0]?.allowlist).toEqual([b.pk]);
  });

  it('ignores edits that leave the auth lists unchanged', async () => {
    await start().check();
    writeFileSync(file, toml([a.pk], '\n[logging]\nlevel = "debug"\n'));
    await watcher!.check();
    writeFileSync(file, toml([a.pk, b.pk]));
    await changeCount(1);
    expect(changes).toHaveLength(1);
  });

  it('applies a difference found at the first read (the file changed between boot and watch)', async () => {
    writeFileSync(file, toml([b.pk]));
    await start().check();
    expect(changes).toEqual([{ allowlist: [b.pk], admins: [c.pk] }]);
  });
});
