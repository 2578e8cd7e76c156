import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nip19 } from 'nostr-tools';
import { parse } from 'smol-toml';
import { addToAllowlist, removeFromAllowlist } from '../../src/auth/allowlist-toml.js';
import { runAllowlistCommand } from '../../src/cli/allowlist.js';
import { identity } from '../helpers.js';

const [a, b, c] = [identity(), identity(), identity()];
const allowlistOf = (text: string) => ((parse(text) as { auth?: { allowlist?: string[] } }).auth?.allowlist ?? []);

const MULTI = `# mls-relay config
[server]
port = 8080 # the port

[auth]
required = true
# the members, one per line
allowlist = [
  "${a.pk}", # alice
  "${nip19.npubEncode(b.pk)}", # bob
]
admin_pubkeys = [] # none yet

[logging]
level = "info"
`;

describe('allowlist TOML edits', () => {
  it('adds to a multi-line array keeping every comment and key', () => {
    const { text, changed } = addToAllowlist(MULTI, nip19.npubEncode(c.pk));
    expect(changed).toBe(true);
    expect(allowlistOf(text)).toEqual([a.pk, nip19.npubEncode(b.pk), nip19.npubEncode(c.pk)]);
    for (const comment of ['# mls-relay config', '# the port', '# the members, one per line', '# alice', '# bob', '# none yet']) {
      expect(text).toContain(comment);
    }
    expect(text).toContain(`  "${nip19.npubEncode(b.pk)}", # bob\n  "${nip19.npubEncode(c.pk)}",\n]`);
    expect(text.replace(`  "${nip19.npubEncode(c.pk)}",\n`, '')).toBe(MULTI);
  });

  it('does not add a pubkey already present in another form', () => {
    expect(addToAllowlist(MULTI, b.pk)).toEqual({ text: MULTI, changed: false });
    expect(addToAllowlist(MULTI, nip19.npubEncode(a.pk)).changed).toBe(false);
  });

  it('removes an entry by npub or hex with its own comment line, nothing else', () => {
    const { text } = removeFromAllowlist(MULTI, nip19.npubEncode(a.pk));
    expect(allowlistOf(text)).toEqual([nip19.npubEncode(b.pk)]);
    expect(text).not.toContain('# alice');
    expect(text).toContain('# bob');
    expect(text).toBe(MULTI.replace(`  "${a.pk}", # alice\n`, ''));
    expect(removeFromAllowlist(MULTI, c.pk).changed).toBe(false);
  });

  it('edits single-line arrays', () => {
    const base = `[auth]\nallowlist = ["${a.pk}"] # inline\n`;
    const added = addToAllowlist(base, b.pk).text;
    expect(added).toBe(`[auth]\nallowlist = ["${a.pk}", "${b.pk}"] # inline\n`);
    expect(removeFromAllowlist(added, b.pk).text).toBe(base);
    expect(removeFromAllowlist(added, a.pk).text).toBe(`[auth]\nallowlist = ["${b.pk}"] # inline\n`);
    expect(removeFromAllowlist(base, a.pk).text).toBe('[auth]\nallowlist = [] # inline\n');
    expect(addToAllowlist('[auth]\nallowlist = []\n', a.pk).text).toBe(`[auth]\nallowlist = ["${a.pk}"]\n`);
  });

  it('creates the key or the [auth] table when missing, and leaves other tables alone', () => {
    expect(addToAllowlist('[auth]\nrequired = true\n', a.pk).text).toBe(`[auth]\nallowlist = ["${a.pk}"]\nrequired = true\n`);
    const none = '[server]\nport = 1\n';
    const created = addToAllowlist(none, a.pk).text;
    expect(created).toBe(`[server]\nport = 1\n\n[auth]\nallowlist = ["${a.pk}"]\n`);
    const other = `[mls_gateway]\nallowlist = ["x"]\n[auth]\nallowlist = []\n`;
    expect(allowlistOf(addToAllowlist(other, a.pk).text)).toEqual([a.pk]);
    expect(addToAllowlist(other, a.pk).text).toContain('[mls_gateway]\nallowlist = ["x"]');
  });

  it('handles a bracket inside a comment in the array', () => {
    const t = `[auth]\nallowlist = [\n  # [old] entries removed\n  "${a.pk}",\n]\n`;
    expect(allowlistOf(addToAllowlist(t, b.pk).text)).toEqual([a.pk, b.pk]);
    expect(allowlistOf(removeFromAllowlist(t, a.pk).text)).toEqual([]);
  });
});

describe('relay allowlist CLI', () => {
  let dir: string;
  let file: string;
  let lines: string[];
  const run = (...args: string[]) => runAllowlistCommand(args, { configFile: file, out: (l) => lines.push(l) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'allowlist-cli-'));
    file = join(dir, 'relay.toml');
    writeFileSync(file, MULTI);
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('add, list and remove edit the file in place and print what changed', async () => {
    expect(await run('add', nip19.npubEncode(c.pk))).toBe(0);
    expect(lines.join('\n')).toContain(`added ${nip19.npubEncode(c.pk)}`);
    expect(allowlistOf(readFileSync(file, 'utf8'))).toHaveLength(3);
    expect(readFileSync(file, 'utf8')).toContain('# alice');
    lines = [];
    expect(await run('list')).toBe(0);
    expect(lines[0]).toContain('3 allowed, 0 admin(s)');
    expect(lines.join('\n')).toContain(c.pk);
    lines = [];
    expect(await run('remove', a.pk)).toBe(0);
    expect(lines.join('\n')).toContain(`removed ${nip19.npubEncode(a.pk)}`);
    expect(allowlistOf(readFileSync(file, 'utf8'))).toEqual([nip19.npubEncode(b.pk), nip19.npubEncode(c.pk)]);
    lines = [];
    expect(await run('add', b.pk)).toBe(0);
    expect(lines[0]).toContain('already allowed');
  });

  it('refuses bad input and leaves an invalid file unchanged', async () => {
    expect(await run('add', 'npub1nope')).toBe(2);
    expect(await run('frobnicate')).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(MULTI);
    const broken = `${MULTI}\n[nonsense]\nx = 1\n`;
    writeFileSync(file, broken);
    expect(await run('add', c.pk)).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(broken);
    expect(lines.join('\n')).toContain('unknown key nonsense');
  });
});
