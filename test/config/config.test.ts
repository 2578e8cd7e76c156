import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { loadRelayConfig } from '../../src/load-relay-config.js';

const run = promisify(execFile);

function tomlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'relay.toml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('loads the shipped config/relay.toml with the documented keys', () => {
    const c = loadRelayConfig({ file: 'config/relay.toml', env: {} });
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 8080, url: 'ws://127.0.0.1:8080' });
    expect(c.storage.backend).toBe('sqlite');
    expect(c.storage.sqlite.path).toBe('./data/relay.db');
    expect(c.limits).toMatchObject({
      max_message_bytes: 1048576,
      max_subscriptions: 50,
      max_filters: 100,
      max_filter_values_per_request: 10000,
      max_limit: 5000,
      max_request_events: 10000,
      max_event_tags: 2000,
      created_at_past_seconds: 94608000,
      created_at_future_seconds: 900,
    });
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('names every bad key with the expected form', () => {
    const file = tomlFile('[server]\nport = "eighty"\nbogus = 1\n[storage]\nbackend = "mysql"\n[limits]\nmax_filters = -3\n');
    const problems = problemsOf(() => loadRelayConfig({ file, env: {} }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port must be an integer from 0 to 65535/),
        'unknown key server.bogus',
        expect.stringMatching(/^storage\.backend must be one of "sqlite", "firestore"/),
        expect.stringMatching(/^limits\.max_filters must be an integer from 1/),
      ]),
    );
  });

  it('reports TOML syntax errors and missing files', () => {
    expect(problemsOf(() => loadRelayConfig({ file: tomlFile('[server\nport=1'), env: {} }))[0]).toMatch(/relay\.toml/);
    expect(problemsOf(() => loadRelayConfig({ file: '/nonexistent/relay.toml', env: {} }))[0]).toMatch(/cannot read config file/);
  });

  it('lets PORT and HOST override the listen address, and checks env values too', () => {
    const c = loadRelayConfig({ file: 'config/relay.toml', env: { PORT: '9999', HOST: '0.0.0.0' } });
    expect(c.server.port).toBe(9999);
    expect(c.server.host).toBe('0.0.0.0');
    const problems = problemsOf(() => loadRelayConfig({ file: 'config/relay.toml', env: { PORT: 'abc' } }));
    expect(problems[0]).toMatch(/^server\.port \(from PORT\) must be an integer/);
  });

  it('check-config exits 0 on a good file and non-zero naming the key on a bad one', async () => {
    const good = await run('npx', ['tsx', 'src/main.ts', 'check-config'], { env: { ...process.env, RELAY_CONFIG: 'config/relay.toml' } });
    expect(good.stdout).toMatch(/config ok/);
    const bad = tomlFile('[limits]\nmax_limit = "lots"\n');
    const err = await run('npx', ['tsx', 'src/main.ts', 'check-config'], { env: { ...process.env, RELAY_CONFIG: bad } }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/limits\.max_limit must be an integer/);
  });
});
