/**
 * Support for the client-library tests (test/clients/): a real relay with `[auth] required = true`
 * and an allowlist, reachable under the URL the libraries sign into their NIP-42 `relay` tag.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { startTestRelay, type TestRelay } from '../harness.js';
import type { Identity } from '../helpers.js';

/**
 * Node 20 has no global WebSocket; NDK, nostrify (websocket-ts), applesauce (rxjs webSocket) and
 * nostr-tools' default pool construct `new WebSocket(url)` from the global, as in a browser. The ws
 * package is the WebSocket Node clients use; install it as the global for the test process.
 */
export function installGlobalWebSocket(): void {
  const g = globalThis as { WebSocket?: unknown };
  if (g.WebSocket === undefined) g.WebSocket = WebSocket;
}

/** A free loopback port (the OS picks it; closed again before the relay binds it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a relay that requires NIP-42 auth and allows only `allowed`. Libraries sign the AUTH
 * `relay` tag with the URL they connected to, so the relay's public URL (server.url) is its real
 * loopback ws URL: the port is chosen first and the relay is bound to it.
 */
export async function startAuthRelay(allowed: Identity[], overrides: Record<string, unknown> = {}): Promise<TestRelay> {
  const port = await freePort();
  return startTestRelay({
    overrides: {
      server: { port, url: `ws://127.0.0.1:${port}` },
      auth: { required: true, allowlist: allowed.map((who) => who.pk) },
      ...overrides,
    },
  });
}

/**
 * Closes every client connection from the relay's side, exactly as the idle timeout does
 * (`limits.idle_timeout_seconds`: close code 1000, reason "idle timeout"), without waiting for it.
 * Resolves to the number of connections closed.
 */
export function dropConnections(relay: TestRelay): number {
  let n = 0;
  for (const session of [...relay.server.sessions.all()]) {
    session.close(1000, 'idle timeout');
    n++;
  }
  return n;
}

/** How a bounded wait ended: the promise resolved, rejected, or was still pending at the bound. */
export type Outcome<T> = { state: 'resolved'; value: T } | { state: 'rejected'; error: string } | { state: 'pending' };

/**
 * Waits for `p` at most `boundMs`. Used where a library could hang or fall back to its own long
 * timeout: the test asserts it settled (and how), instead of timing anything.
 */
export async function within<T>(p: Promise<T>, boundMs: number): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), boundMs);
  });
  const settled = p.then(
    (value): Outcome<T> => ({ state: 'resolved', value }),
    (err: unknown): Outcome<T> => ({ state: 'rejected', error: err instanceof Error ? err.message : String(err) }),
  );
  try {
    return await Promise.race([settled, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve function, for callbacks that a test waits on. */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** How long a non-allowed client may take to be told `restricted:` (libraries' own timeouts are 4-30 s). */
export const PROMPT_MS = 2000;

/**
 * Collects unhandled promise rejections instead of letting vitest fail the file on them, for a
 * library that is known to leave one behind (the test asserts what was collected, documenting the
 * bug). vitest's own listeners are put back by `restore`.
 */
export function captureUnhandledRejections(): { errors: unknown[]; restore: () => void } {
  const errors: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  const mine = (err: unknown) => errors.push(err);
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', mine);
  return {
    errors,
    restore: () => {
      process.off('unhandledRejection', mine);
      for (const l of saved) process.on('unhandledRejection', l);
    },
  };
}

/** Lets pending promise callbacks and one timer turn run (for a rejection to be reported). */
export function nextTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** The pubkeys authenticated on the relay's open connections (what the relay saw, not what the library says). */
export function authedPubkeys(relay: TestRelay): string[] {
  return [...relay.server.sessions.all()].flatMap((s) => [...s.authed]);
}

/**
 * Splits what a subscription delivers at its EOSE: `stored` collects event ids before it, `eose`
 * resolves at it, `live` resolves with the first event id after it. Wire `onEvent`/`onEose` into
 * the library's callbacks.
 */
export function splitAtEose(): {
  stored: string[];
  eose: Promise<void>;
  live: Promise<string>;
  onEvent: (id: string) => void;
  onEose: () => void;
} {
  const stored: string[] = [];
  const eose = deferred<void>();
  const live = deferred<string>();
  let eosed = false;
  return {
    stored,
    eose: eose.promise,
    live: live.promise,
    onEvent: (id) => (eosed ? live.resolve(id) : void stored.push(id)),
    onEose: () => {
      eosed = true;
      eose.resolve();
    },
  };
}
