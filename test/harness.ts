import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { finalizeEvent } from 'nostr-tools/pure';
import { loadRelayConfig } from '../src/load-relay-config.js';
import { mergeConfigInput } from '../src/config/load.js';
import type { RelayConfig } from '../src/config/types.js';
import { startRelay, type RelayServer } from '../src/server.js';
import { eventually, type Identity } from './helpers.js';

// Node 20 has no global WebSocket: nostr-tools uses ws, as a Node client would.
useWebSocketImplementation(WebSocket);

/** The public URL test relays claim (NIP-42 relay tag, NIP-98 u); independent of the bound port. */
export const TEST_RELAY_URL = 'ws://relay.test';

/** A relay started for a test, on an ephemeral port with its own SQLite file. */
export type TestRelay = {
  server: RelayServer;
  config: RelayConfig;
  url: string;
  httpUrl: string;
  dir: string;
  /** Stops and starts the relay on the same database file (a restart). */
  restart(): Promise<TestRelay>;
  stop(): Promise<void>;
};

/** Options: config overrides (TOML shape), an existing directory to reuse, a config file, a logger (default silent; see LogTap). */
export type TestRelayOptions = { overrides?: Record<string, unknown>; dir?: string; file?: string | null; env?: NodeJS.ProcessEnv; logger?: Logger };

/**
 * Starts a real relay: real config validation, real SQLite file, real HTTP and WebSocket server.
 * Auth is off unless the overrides turn it on. Signatures are checked on the event loop
 * (`verify.in_process`): a worker pool costs seconds to start under tsx and is not what most tests
 * test; `overrides: { verify: { in_process: false } }` gives a relay the pool.
 */
export async function startTestRelay(opts: TestRelayOptions = {}): Promise<TestRelay> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mls-relay-test-'));
  const base = {
    server: { host: '127.0.0.1', port: 0, url: TEST_RELAY_URL },
    // No WAL checkpoint worker nor store threads (storage.sqlite.checkpoint_worker, threads): each costs about a
    // second to start under tsx, per relay. The threaded store has its own tests (reader-threads, sqlite contract).
    storage: { backend: 'sqlite', sqlite: { path: join(dir, 'relay.db'), checkpoint_worker: false, threads: false } },
    auth: { required: false },
    logging: { level: 'silent' },
    metrics: { port: 0 },
    verify: { in_process: true },
  };
  const config = loadRelayConfig({ file: opts.file ?? null, env: opts.env ?? {}, overrides: mergeConfigInput(base, opts.overrides ?? {}) });
  const server = await startRelay(config, { logger: opts.logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' }) });
  const relay: TestRelay = {
    server,
    config,
    url: server.wsUrl,
    httpUrl: server.httpUrl,
    dir,
    async restart() {
      await server.close();
      return startTestRelay({ ...opts, dir });
    },
    async stop() {
      await server.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return relay;
}

/**
 * The log of a test relay (pass `logger` to startTestRelay), so a test can wait for what the relay did
 * and logged, such as applying a config edit, instead of sleeping past it.
 */
export class LogTap {
  readonly entries: Record<string, unknown>[] = [];
  private readonly listeners = new Set<() => void>();
  readonly logger: Logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        this.entries.push(JSON.parse(line) as Record<string, unknown>);
        for (const listener of [...this.listeners]) listener();
      },
    },
  );

  /** Resolves with the first entry logged from now on with message `msg`; rejects after `timeoutMs`. */
  next(msg: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    let scanned = this.entries.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(look);
        reject(new Error(`nothing logged as ${JSON.stringify(msg)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const look = (): void => {
        for (; scanned < this.entries.length; scanned++) {
          if (this.entries[scanned]!.msg !== msg) continue;
          clearTimeout(timer);
          this.listeners.delete(look);
          return resolve(this.entries[scanned]!);
        }
      };
      this.listeners.add(look);
    });
  }
}

/** Connects a nostr-tools client. */
export async function connect(url: string): Promise<Relay> {
  return Relay.connect(url);
}

/** Connects a nostr-tools client and authenticates it (NIP-42) as `who`. */
export async function connectAs(url: string, who: Identity, relayUrl = TEST_RELAY_URL): Promise<Relay> {
  const relay = await Relay.connect(url);
  // nostr-tools signs the template it builds from the challenge; the relay tag must be the relay's public URL.
  const sign = async (template: { kind: number; tags: string[][]; content: string; created_at: number }) =>
    finalizeEvent({ ...template, tags: template.tags.map((t) => (t[0] === 'relay' ? ['relay', relayUrl] : t)) }, who.sk);
  await waitFor(() => (relay as unknown as { challenge?: string }).challenge !== undefined, 2000);
  await relay.auth(sign);
  return relay;
}

/** Polls until `check` is true or `timeoutMs` passes (then throws); see eventually in helpers.ts. */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  await eventually(check, { timeoutMs });
}

/** A raw WebSocket client for frames nostr-tools would never send. Collects every message. */
export class RawClient {
  readonly messages: unknown[][] = [];
  /** Called after each message and at close: the pending next() calls look again. */
  private readonly listeners = new Set<() => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(data.toString()) as unknown[]);
      } catch {
        this.messages.push(['<unparseable>', data.toString()]);
      }
      for (const listener of [...this.listeners]) listener();
    });
    ws.on('close', () => {
      for (const listener of [...this.listeners]) listener();
    });
  }

  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  get challenge(): string | undefined {
    return this.messages.find((m) => m[0] === 'AUTH')?.[1] as string | undefined;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /**
   * Resolves with the first message (from index `from`) that satisfies `pred`, as soon as it arrives.
   * Rejects after `timeoutMs`, or at once when the socket closes without one.
   */
  next(pred: (m: unknown[]) => boolean, timeoutMs = 3000, from = 0): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      let scanned = from;
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(look);
      };
      const look = (): void => {
        for (; scanned < this.messages.length; scanned++) {
          const m = this.messages[scanned]!;
          if (pred(m)) {
            done();
            return resolve(m);
          }
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error('socket closed before the awaited message arrived'));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a message`));
      }, timeoutMs);
      this.listeners.add(look);
      look();
    });
  }

  /** Sends a message and waits for the reply matched by `pred` among messages after the send. */
  async request(msg: unknown, pred: (m: unknown[]) => boolean, timeoutMs = 3000): Promise<unknown[]> {
    const from = this.messages.length;
    this.send(msg);
    return this.next(pred, timeoutMs, from);
  }

  /** Publishes an event and resolves to its OK message. */
  publish(ev: { id: string }): Promise<unknown[]> {
    return this.request(['EVENT', ev], (m) => m[0] === 'OK' && m[1] === ev.id);
  }

  /** Runs a REQ and resolves to the events before EOSE (or the CLOSED message). */
  async req(subId: string, ...filters: unknown[]): Promise<{ events: Record<string, unknown>[]; closed?: string }> {
    const from = this.messages.length;
    this.send(['REQ', subId, ...filters]);
    const end = await this.next((m) => (m[0] === 'EOSE' || m[0] === 'CLOSED') && m[1] === subId, 3000, from);
    const events = this.messages
      .slice(from)
      .filter((m) => m[0] === 'EVENT' && m[1] === subId)
      .map((m) => m[2] as Record<string, unknown>);
    return end[0] === 'CLOSED' ? { events, closed: end[2] as string } : { events };
  }

  close(): void {
    this.ws.close();
  }
}
