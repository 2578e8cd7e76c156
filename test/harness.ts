import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { finalizeEvent } from 'nostr-tools/pure';
import { loadRelayConfig } from '../src/load-relay-config.js';
import { mergeConfigInput } from '../src/config/load.js';
import type { RelayConfig } from '../src/config/types.js';
import { startRelay, type RelayServer } from '../src/server.js';
import type { Identity } from './helpers.js';

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

/** Options: config overrides (TOML shape), an existing directory to reuse, a config file. */
export type TestRelayOptions = { overrides?: Record<string, unknown>; dir?: string; file?: string | null; env?: NodeJS.ProcessEnv };

/**
 * Starts a real relay: real config validation, real SQLite file, real HTTP and WebSocket server.
 * Auth is off unless the overrides turn it on.
 */
export async function startTestRelay(opts: TestRelayOptions = {}): Promise<TestRelay> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'mls-relay-test-'));
  const base = {
    server: { host: '127.0.0.1', port: 0, url: TEST_RELAY_URL },
    storage: { backend: 'sqlite', sqlite: { path: join(dir, 'relay.db') } },
    auth: { required: false },
    logging: { level: 'silent' },
    metrics: { port: 0 },
  };
  const config = loadRelayConfig({ file: opts.file ?? null, env: opts.env ?? {}, overrides: mergeConfigInput(base, opts.overrides ?? {}) });
  const server = await startRelay(config, { logger: pino({ level: 'silent' }) });
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

/** Polls until `check` is true or `timeoutMs` passes (then throws). */
export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw WebSocket client for frames nostr-tools would never send. Collects every message. */
export class RawClient {
  readonly messages: unknown[][] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(data.toString()) as unknown[]);
      } catch {
        this.messages.push(['<unparseable>', data.toString()]);
      }
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

  /** Waits for the next message (from index `from`) that satisfies `pred`. */
  async next(pred: (m: unknown[]) => boolean, timeoutMs = 3000, from = 0): Promise<unknown[]> {
    let found: unknown[] | undefined;
    await waitFor(() => {
      found = this.messages.slice(from).find(pred);
      return found !== undefined;
    }, timeoutMs);
    return found!;
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
