/**
 * A relay run as a child process (`node --import tsx src/main.ts start`), as in production:
 * for kill -9 crash tests and the soak script. Node is spawned directly, not through npx, so a
 * signal reaches the relay itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A running child relay. */
export type ChildRelay = { child: ChildProcess; url: string; httpUrl: string; port: number; stop(signal?: NodeJS.Signals): Promise<void> };

/** A free TCP port on loopback (shared with the emulator harness). */
export { freePort as freeLoopbackPort } from '../setup/firestore-emulator.js';

/** Writes a TOML config for a loopback SQLite relay in `dir`; `extra` is appended verbatim. */
export function writeChildConfig(dir: string, port: number, extra = ''): string {
  const file = join(dir, 'relay.toml');
  writeFileSync(
    file,
    `[server]\nhost = "127.0.0.1"\nport = ${port}\nurl = "ws://relay.test"\n\n` +
      `[storage]\nbackend = "sqlite"\n\n[storage.sqlite]\npath = "${join(dir, 'relay.db')}"\n\n` +
      `[auth]\nrequired = false\n\n` +
      `[rate_limits]\nevents_per_minute = 0\nevents_per_minute_per_ip = 0\nreqs_per_minute = 0\nconnections_per_ip = 0\n\n` +
      `[logging]\nlevel = "info"\n${extra}`,
  );
  return file;
}

/** Starts the relay with RELAY_CONFIG=`configFile` and resolves once it logs that it listens. */
export async function startChildRelay(configFile: string, port: number, cwd = process.cwd()): Promise<ChildRelay> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    cwd,
    env: { ...process.env, RELAY_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${out.slice(-2000)}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('relay listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${code}): ${out.slice(-2000)}`));
    });
  });
  // Keep draining the pipes so a chatty relay never blocks on a full pipe.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return {
    child,
    port,
    url: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
