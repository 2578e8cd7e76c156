/**
 * Image smoke test without a Docker engine: replays the Dockerfile (scripts/dockerfile-replay.ts)
 * in a temp directory, starts the final stage's CMD the way the container would (its ENV, its
 * USER when we are root, PORT/HOST from the environment, auth on with one allowlisted key), then:
 * waits for GET /health, runs the HEALTHCHECK command, publishes an event over WebSocket with an
 * authenticated nostr-tools client, checks that a key outside the allowlist is refused, sends
 * SIGTERM and expects exit code 0.
 *
 *   npx tsx scripts/image-smoke.ts          # prints a JSON report; exit 0 when every check passed
 *   KEEP_SMOKE_DIR=1 npx tsx scripts/image-smoke.ts   # leave the temp dir for inspection
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { replayDockerfile, type ReplayedImage } from './dockerfile-replay.js';
import { freePort } from '../test/setup/firestore-emulator.js';

useWebSocketImplementation(WebSocket);

/** What the smoke run found; every field is checked by test/deploy/image-smoke.test.ts. */
export type SmokeReport = {
  workdir: string;
  cmd: string[];
  ranAsUid: number | undefined;
  skippedSteps: string[];
  /** Top-level entries of the runtime stage's WORKDIR (what the image ships). */
  shipped: string[];
  health: { status: number; body: unknown };
  healthcheckExitCode: number | null;
  published: { ok: boolean; message: string };
  readBack: number;
  strangerAuth: { ok: boolean; message: string };
  exitCode: number | null;
  signal: string | null;
  /** The relay's log lines (JSON), for diagnosis. */
  logTail: string[];
};

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The public URL the relay claims (NIP-42 relay tag); independent of the bound port.
const RELAY_URL = 'wss://relay.smoke.test';

/** The environment RUN steps see: this machine's (PATH, HOME, proxies) minus anything a test runner or npm put there. */
function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|TSX_|RELAY_|PORT$|HOST$)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

function startImage(image: ReplayedImage, env: Record<string, string>): ChildProcess {
  const [exe, ...args] = image.cmd;
  const asUser = process.getuid?.() === 0 && image.user ? { uid: image.user.uid, gid: image.user.gid } : {};
  // Like `docker run`: only the image's ENV plus what the operator passes, not this shell's variables.
  return spawn(exe!, args, {
    cwd: image.workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...image.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser,
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited with ${child.exitCode} before /health answered`);
    try {
      const res = await fetch(url);
      return { status: res.status, body: await res.json() };
    } catch {
      if (Date.now() > deadline) throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function runHealthcheck(image: ReplayedImage, env: Record<string, string>): Promise<number | null> {
  if (!image.healthcheck) return Promise.resolve(null);
  const [exe, ...args] = image.healthcheck;
  return new Promise((res) => {
    execFile(exe!, args, { cwd: image.workdir, env: { PATH: process.env.PATH ?? '', ...image.env, ...env } }, (err) =>
      res(err ? ((err as { code?: number }).code ?? 1) : 0),
    );
  });
}

/** Connects, answers the AUTH challenge as `sk` (relay tag = the public URL), resolves to the AUTH result. */
async function authed(wsUrl: string, sk: Uint8Array): Promise<{ relay: Relay; ok: boolean; message: string }> {
  const relay = await Relay.connect(wsUrl);
  const deadline = Date.now() + 3000;
  while ((relay as unknown as { challenge?: string }).challenge === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    const message = await relay.auth(async (t) =>
      finalizeEvent({ ...t, tags: t.tags.map((tag) => (tag[0] === 'relay' ? ['relay', RELAY_URL] : tag)) }, sk),
    );
    return { relay, ok: true, message: String(message ?? '') };
  } catch (err) {
    return { relay, ok: false, message: (err as Error).message };
  }
}

async function exercise(wsUrl: string, member: Uint8Array): Promise<Pick<SmokeReport, 'published' | 'readBack' | 'strangerAuth'>> {
  const { relay } = await authed(wsUrl, member);
  const ev = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'image smoke' }, member);
  let published: SmokeReport['published'];
  try {
    published = { ok: true, message: await relay.publish(ev) };
  } catch (err) {
    published = { ok: false, message: (err as Error).message };
  }
  const stored = await new Promise<number>((res) => {
    let n = 0;
    const sub = relay.subscribe([{ ids: [ev.id] }], {
      onevent: () => void n++,
      oneose: () => (sub.close(), res(n)),
    });
  });
  relay.close();
  const stranger = await authed(wsUrl, generateSecretKey());
  stranger.relay.close();
  return { published, readBack: stored, strangerAuth: { ok: stranger.ok, message: stranger.message } };
}

/** Builds the image's filesystem by replaying the Dockerfile, starts it, checks it, stops it with SIGTERM. */
export async function runImageSmoke(opts: { log?: (line: string) => void; keep?: boolean } = {}): Promise<SmokeReport> {
  const out = mkdtempSync(join(tmpdir(), 'mls-relay-image-'));
  // The runtime runs as uid 1000 (USER node) when we are root: it must be able to reach its files.
  chmodSync(out, 0o755);
  let child: ChildProcess | undefined;
  try {
    const image = replayDockerfile({ context: REPO, outDir: out, runEnv: buildEnv(), ...(opts.log ? { log: opts.log } : {}) });
    const member = generateSecretKey();
    const port = await freePort();
    const env = { PORT: String(port), RELAY_URL, RELAY_AUTH_REQUIRED: 'true', RELAY_AUTH_ALLOWLIST: getPublicKey(member), RELAY_METRICS_PORT: '0' };
    child = startImage(image, env);
    const lines: string[] = [];
    child.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    child.stderr?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
      child!.once('exit', (code, signal) => res({ code, signal })),
    );
    // The image sets HOST=0.0.0.0: reaching it through 127.0.0.1 works as Docker's port mapping would.
    const health = await waitForHealth(`http://127.0.0.1:${port}/health`, child, 60_000);
    const healthcheckExitCode = await runHealthcheck(image, env);
    const checks = await exercise(`ws://127.0.0.1:${port}`, member);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    return {
      workdir: image.workdir,
      cmd: image.cmd,
      ranAsUid: process.getuid?.() === 0 ? image.user?.uid : process.getuid?.(),
      skippedSteps: image.skipped,
      shipped: readdirSync(image.workdir).sort(),
      health,
      healthcheckExitCode,
      ...checks,
      exitCode: code,
      signal,
      logTail: lines.slice(-20),
    };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!opts.keep && existsSync(out)) rmSync(out, { recursive: true, force: true });
  }
}

/** True when every check of the report passed. */
export function smokePassed(r: SmokeReport): boolean {
  return (
    r.health.status === 200 &&
    (r.healthcheckExitCode === null || r.healthcheckExitCode === 0) &&
    r.published.ok &&
    r.readBack === 1 &&
    !r.strangerAuth.ok &&
    r.exitCode === 0
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runImageSmoke({ log: (l) => console.error(l), keep: process.env.KEEP_SMOKE_DIR === '1' }).then(
    (report) => {
      console.log(JSON.stringify(report, null, 2));
      process.exit(smokePassed(report) ? 0 : 1);
    },
    (err: Error) => {
      console.error(`image smoke failed: ${err.message}`);
      process.exit(1);
    },
  );
}
