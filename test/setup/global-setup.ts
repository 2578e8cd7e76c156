import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the Firestore emulator started for this run, or null when the Firestore suites are skipped. */
    firestoreEmulatorHost: string | null;
  }
}

const READY_LINE = 'Dev App Server is now running';
const START_TIMEOUT_MS = 60_000;

/** The emulator jar: FIRESTORE_EMULATOR_JAR, else the Debian package's file list. */
function findJar(): string | undefined {
  const fromEnv = process.env.FIRESTORE_EMULATOR_JAR;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    const files = execFileSync('dpkg', ['-L', 'google-cloud-cli-firestore-emulator'], { encoding: 'utf8' });
    return files.split('\n').find((line) => line.endsWith('emulator.jar') && existsSync(line));
  } catch {
    return undefined;
  }
}

function hasJava(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts java directly (a wrapper script would leave java running when killed) and waits for the ready line. */
async function startEmulator(jar: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'java',
    ['-cp', jar, 'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start', '--host=127.0.0.1', `--port=${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Firestore emulator not ready after ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
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

/**
 * Global setup for the whole test run. Starts the official Firestore emulator once and provides its
 * host as `firestoreEmulatorHost`. Without java or the jar, the Firestore suites skip (one line says so),
 * unless CI or REQUIRE_FIRESTORE=1 is set: then the run fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const jar = findJar();
  const required = Boolean(process.env.CI) || process.env.REQUIRE_FIRESTORE === '1';
  if (!jar || !hasJava()) {
    const why = !jar ? 'emulator jar not found (set FIRESTORE_EMULATOR_JAR)' : 'java not found';
    if (required) throw new Error(`Firestore emulator required (CI or REQUIRE_FIRESTORE=1) but ${why}`);
    console.warn(`[firestore] ${why}: the Firestore suites are skipped`);
    project.provide('firestoreEmulatorHost', null);
    return async () => {};
  }
  const port = await freePort();
  const child = await startEmulator(jar, port);
  project.provide('firestoreEmulatorHost', `127.0.0.1:${port}`);
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}
