import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { loadRelayConfig } from '../../src/load-relay-config.js';

function tomlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-verify-')), 'relay.toml');
  writeFileSync(file, text);
  return file;
}

describe('[verify] config', () => {
  it('defaults to the auto backend on every core', () => {
    const c = loadRelayConfig({ file: tomlFile(''), env: {} });
    expect(c.verify).toEqual({ backend: 'auto', threads: 0, max_queue: 4096, in_process: false });
  });

  it('takes a named backend and thread count from the file or the environment', () => {
    const c = loadRelayConfig({ file: tomlFile('[verify]\nbackend = "noble-curves"\nthreads = 1\n'), env: {} });
    expect(c.verify.backend).toBe('noble-curves');
    expect(c.verify.threads).toBe(1);
    const e = loadRelayConfig({ file: tomlFile(''), env: { RELAY_VERIFY_BACKEND: 'tiny-secp256k1', RELAY_VERIFY_THREADS: '3' } });
    expect(e.verify).toMatchObject({ backend: 'tiny-secp256k1', threads: 3 });
  });

  it('verifies in process when the file or the environment says so', () => {
    expect(loadRelayConfig({ file: tomlFile('[verify]\nin_process = true\n'), env: {} }).verify.in_process).toBe(true);
    expect(loadRelayConfig({ file: tomlFile(''), env: { RELAY_VERIFY_IN_PROCESS: 'true' } }).verify.in_process).toBe(true);
  });

  it('rejects an unknown backend at boot, naming the key', () => {
    let problems: string[] = [];
    try {
      loadRelayConfig({ file: tomlFile('[verify]\nbackend = "openssl"\n'), env: {} });
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems;
    }
    expect(problems.join('\n')).toMatch(/verify\.backend/);
  });
});
