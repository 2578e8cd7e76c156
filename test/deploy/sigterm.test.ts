import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { finalizeEvent } from 'nostr-tools/pure';
import { RawClient, startTestRelay, waitFor } from '../harness.js';
import { eventually, identity, now, signed, type Identity } from '../helpers.js';
import { freePort } from '../setup/firestore-emulator.js';

// Cloud Run sends SIGTERM and kills the instance about 10 s later.
const CLOUD_RUN_KILL_MS = 10_000;
const RELAY_URL = 'wss://relay.sigterm.test';
const CONNECTIONS = 6;
const EVENTS_PER_CONNECTION = 150;

/** The relay as production runs it: its own process, config from a TOML file, SQLite on disk. */
function startRelayProcess(configFile: string): ChildProcess {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(RELAY_|PORT$|HOST$|LOG_LEVEL$|VITEST|NODE_OPTIONS$)/.test(k)) env[k] = v;
  // node itself gets the signal (as PID 1 in the image), not a wrapper that would have to forward it.
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    env: { ...env, RELAY_CONFIG: configFile, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const isHealthy = async (): Promise<boolean> => {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode}`);
    return fetch(url).then(
      (res) => res.ok,
      () => false, // not listening yet
    );
  };
  await eventually(isHealthy, { timeoutMs: 60_000, intervalMs: 100, what: 'a healthy relay' });
}

/** Resolves when the socket is closed (at once if it already is). */
function closedSocket(c: RawClient): Promise<void> {
  if (c.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => c.ws.once('close', () => resolve()));
}

/** A raw client authenticated as `who` (NIP-42 with the relay's public URL). */
async function authedClient(wsUrl: string, who: Identity): Promise<RawClient> {
  const c = await RawClient.open(wsUrl);
  await waitFor(() => c.challenge !== undefined);
  const auth = finalizeEvent(
    { kind: 22242, created_at: now(), content: '', tags: [['relay', RELAY_URL], ['challenge', c.challenge!]] },
    who.sk,
  );
  const ok = await c.request(['AUTH', auth], (m) => m[0] === 'OK' && m[1] === auth.id);
  if (ok[2] !== true) throw new Error(`AUTH refused: ${String(ok[3])}`);
  return c;
}

describe('SIGTERM under load (Cloud Run scale-in or deploy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mls-relay-sigterm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged event and exits 0 within 10 s', async () => {
    const port = await freePort();
    const writers = Array.from({ length: CONNECTIONS }, () => identity());
    const file = join(dir, 'relay.toml');
    writeFileSync(
      file,
      [
        '[server]',
        'host = "127.0.0.1"',
        `port = ${port}`,
        `url = "${RELAY_URL}"`,
        '[storage.sqlite]',
        `path = "${join(dir, 'relay.db')}"`,
        '[auth]',
        'required = true',
        `allowlist = [${writers.map((w) => `"${w.pk}"`).join(', ')}]`,
        '[rate_limits]',
        'events_per_minute = 0',
        'events_per_minute_per_ip = 0',
        '[metrics]',
        'port = 0',
        '',
      ].join('\n'),
    );
    const child = startRelayProcess(file);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    try {
      await waitForHealth(`http://127.0.0.1:${port}/health`, child);
      const wsUrl = `ws://127.0.0.1:${port}`;
      const clients = await Promise.all(writers.map((w) => authedClient(wsUrl, w)));
      const batches = writers.map((w) =>
        Array.from({ length: EVENTS_PER_CONNECTION }, (_, i) => signed(w, { content: `burst ${i}`, created_at: now() - 600 + i })),
      );

      // Every connection streams its events in small pipelined slices until its socket closes: a slice
      // goes out once the relay has answered the one before last, so about two slices are in flight.
      let sent = 0;
      let sentAfterSignal = 0;
      let signalled = false;
      const pumps = clients.map(async (c, n) => {
        for (let i = 0; i < EVENTS_PER_CONNECTION; i += 10) {
          if (c.ws.readyState !== WebSocket.OPEN) return;
          for (const ev of batches[n]!.slice(i, i + 10)) {
            c.send(['EVENT', ev]);
            sent++;
            if (signalled) sentAfterSignal++;
          }
          const previous = batches[n]![i - 10];
          if (previous) await c.next((m) => m[0] === 'OK' && m[1] === previous.id, 30_000).catch(() => undefined);
        }
      });
      const burstIds = new Set(batches.flat().map((ev) => ev.id));
      const burstOks = (accepted: boolean) =>
        clients.flatMap((c) => c.messages.filter((m) => m[0] === 'OK' && burstIds.has(m[1] as string) && (!accepted || m[2] === true)));
      const okCount = () => burstOks(false).length;
      // Signal once the burst is well under way: some events acknowledged, many still in flight.
      await waitFor(() => okCount() >= (CONNECTIONS * EVENTS_PER_CONNECTION) / 4, 60_000);
      const signalAt = Date.now();
      const inFlightAtSignal = sent - okCount();
      signalled = true;
      child.kill('SIGTERM');
      await Promise.all(pumps);
      const { code, signal, at } = await exited;
      // The last frames come before each socket's close; a socket the relay left open fails the count below.
      await Promise.race([Promise.all(clients.map(closedSocket)), new Promise((r) => setTimeout(r, 5000))]);

      const acked = burstOks(true).map((m) => m[1] as string);
      const closes = clients.filter((c) => c.ws.readyState === WebSocket.CLOSED).length;
      expect(signal, stderr).toBeNull();
      expect(code, stderr).toBe(0);
      expect(at - signalAt, 'exit must come before Cloud Run kills the instance').toBeLessThan(CLOUD_RUN_KILL_MS);
      expect(acked.length).toBeGreaterThan(0);
      expect(inFlightAtSignal + sentAfterSignal, 'the signal must land mid-burst').toBeGreaterThan(0);
      console.log(
        `SIGTERM: ${inFlightAtSignal} events in flight and ${sentAfterSignal} sent after the signal; ` +
          `${acked.length}/${sent} acknowledged; exit ${at - signalAt} ms after the signal`,
      );
      expect(closes, 'every connection is closed by the relay').toBe(CONNECTIONS);

      // Restart on the same SQLite file: every acknowledged event must be there.
      const relay = await startTestRelay({ dir, overrides: { auth: { required: false } } });
      try {
        const reader = await RawClient.open(relay.url);
        const found = new Set<string>();
        for (const w of writers) {
          const r = await reader.req(`r-${w.pk.slice(0, 8)}`, { authors: [w.pk], limit: EVENTS_PER_CONNECTION });
          for (const e of r.events) found.add(e.id as string);
        }
        reader.close();
        const missing = acked.filter((id) => !found.has(id));
        expect(missing, `${missing.length} of ${acked.length} acknowledged events lost`).toEqual([]);
      } finally {
        await relay.stop();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
