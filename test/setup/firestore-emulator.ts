import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const READY_LINE = 'Dev App Server is now running';
const START_TIMEOUT_MS = 60_000;

/** The emulator jar: FIRESTORE_EMULATOR_JAR, else the Debian package's file list. */
export function findJar(): string | undefined {
  const fromEnv = process.env.FIRESTORE_EMULATOR_JAR;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    const files = execFileSync('dpkg', ['-L', 'google-cloud-cli-firestore-emulator'], { encoding: 'utf8' });
    return files.split('\n').find((line) => line.endsWith('emulator.jar') && existsSync(line));
  } catch {
    return undefined;
  }
}

/** True when a `java` binary runs. */
export function hasJava(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts java directly (a wrapper script would leave java running when killed) and waits for the ready line.
 */
export async function startEmulator(jar: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'java',
    ['-cp', jar, 'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start', '--host=127.0.0.1', `--port=${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Firestore emulator not ready after ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Firestore emulator exited with ${code}:\n${output}`));
    });
  });
  // Keep draining so a full pipe never blocks the emulator.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Stops the emulator started by startEmulator (SIGKILL after 5 s). */
export async function stopEmulator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the emulator on a free port. Another process can take the port between the check and
 * java's bind (tests of several sessions run side by side), so a bind failure retries on a new port.
 */
export async function startEmulatorOnFreePort(jar: string, attempts = 3): Promise<{ child: ChildProcess; port: number }> {
  for (let i = 1; ; i++) {
    const port = await freePort();
    try {
      return { child: await startEmulator(jar, port), port };
    } catch (err) {
      if (i >= attempts || !String((err as Error).message).includes('Address already in use')) throw err;
    }
  }
}
