/**
 * A relay started from a real config file in a temporary directory, for the hot-reload tests: the
 * file holds every setting (no test overrides, which a reload would layer over the file again), and
 * `edit` rewrites it and waits until the relay has applied it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { stringify } from 'smol-toml';
import { loadRelayConfig } from '../../src/load-relay-config.js';
import { mergeConfigInput } from '../../src/config/load.js';
import type { RelayConfig } from '../../src/config/types.js';
import { startRelay, type RelayServer } from '../../src/server.js';
import { TEST_RELAY_URL } from '../harness.js';

/** TOML-shaped tables. */
export type ConfigTables = Record<string, Record<string, unknown>>;

/** A running relay and its config file. */
export type FileRelay = {
  server: RelayServer;
  file: string;
  /** Writes `base` merged with `tables` to the file and resolves with the config the relay applied. */
  edit(tables: ConfigTables): Promise<RelayConfig>;
  stop(): Promise<void>;
};

/** Resolves on the relay's next config reload; rejects after `timeoutMs` (the watcher polls every second). */
export function nextReload(server: RelayServer, timeoutMs = 5000): Promise<RelayConfig> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('the relay did not reload its config file in time'));
    }, timeoutMs);
    const stop = server.liveConfig.onChange((next) => {
      clearTimeout(timer);
      stop();
      resolve(next);
    });
  });
}

/** Starts a relay from a file holding `tables` over a private test base (ephemeral ports, own SQLite file). */
export async function startFileRelay(tables: ConfigTables, logger: Logger = pino({ level: 'silent' })): Promise<FileRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-reload-'));
  const file = join(dir, 'relay.toml');
  const base = {
    server: { host: '127.0.0.1', port: 0, url: TEST_RELAY_URL },
    storage: { backend: 'sqlite', sqlite: { path: join(dir, 'relay.db') } },
    logging: { level: 'silent' },
    metrics: { port: 0 },
  };
  const write = (t: ConfigTables) => writeFileSync(file, stringify(mergeConfigInput(base, t)));
  write(tables);
  const server = await startRelay(loadRelayConfig({ file, env: {} }), { logger });
  return {
    server,
    file,
    async edit(next) {
      const reloaded = nextReload(server);
      write(next);
      return reloaded;
    },
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The NIP-11 document of a running relay. */
export async function nip11(server: RelayServer): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.httpUrl}/`, { headers: { accept: 'application/nostr+json' } });
  return (await res.json()) as Record<string, unknown>;
}
