import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nip19 } from 'nostr-tools';
import { runAllowlistCommand } from '../../src/cli/allowlist.js';
import { LogTap, startTestRelay, type TestRelay } from '../harness.js';
import { identity, signed } from '../helpers.js';
import { authAs, clientAs, publish } from './e2e-support.js';

const [alice, bob] = [identity(), identity()];


describe('editing the allowlist in the config file of a running relay', () => {
  let dir: string;
  let file: string;
  let relay: TestRelay;
  // The config watcher logs each edit it applies or refuses (src/config/reload.ts, watch.ts): the tests wait for that.
  const log = new LogTap();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-e2e-file-'));
    file = join(dir, 'relay.toml');
    writeFileSync(
      file,
      `# test relay\n[auth]\nrequired = true\n# members\nallowlist = [\n  "${nip19.npubEncode(alice.pk)}", # alice\n]\n\n[extensions]\nenabled = []\n`,
    );
    relay = await startTestRelay({ file, dir, overrides: { auth: { required: true } }, logger: log.logger });
  });
  afterAll(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pubkey added with the CLI may authenticate without a restart', async () => {
    const before = await clientAs(relay.url);
    try {
      expect((await authAs(before, bob))[1]).toMatch(/^restricted: /);
    } finally {
      before.close();
    }
    const lines: string[] = [];
    const reloaded = log.next('config reloaded');
    expect(await runAllowlistCommand(['add', bob.pk], { configFile: file, out: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toContain('added');
    await reloaded;
    const b = await clientAs(relay.url, bob);
    try {
      expect((await publish(b, signed(bob)))[0]).toBe(true);
    } finally {
      b.close();
    }
  });

  it('a pubkey removed from the file loses its live subscriptions', async () => {
    const a = await clientAs(relay.url, alice);
    try {
      await a.req('live', { limit: 0 });
      expect(await runAllowlistCommand(['remove', alice.pk], { configFile: file, out: () => undefined })).toBe(0);
      const closed = await a.next((m) => m[0] === 'CLOSED' && m[1] === 'live', 5000);
      expect(closed[2]).toMatch(/^restricted: /);
      const [ok, message] = await publish(a, signed(alice));
      expect(ok).toBe(false);
      expect(message).toMatch(/^restricted: /);
    } finally {
      a.close();
    }
  });

  it('an invalid edit keeps the current allowlist', async () => {
    const refused = log.next('config file invalid, keeping the running config');
    writeFileSync(file, `[auth]\nrequired = true\nallowlist = ["not-a-key"]\n\n[extensions]\nenabled = []\n`);
    await refused;
    const b = await clientAs(relay.url);
    try {
      expect((await authAs(b, bob))[0]).toBe(true);
    } finally {
      b.close();
    }
  });
});
