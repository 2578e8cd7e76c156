import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { findJar, hasJava, startEmulatorOnFreePort, stopEmulator } from './firestore-emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the Firestore emulator started for this run, or null when the Firestore suites are skipped. */
    firestoreEmulatorHost: string | null;
  }
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
  const { child, port } = await startEmulatorOnFreePort(jar);
  project.provide('firestoreEmulatorHost', `127.0.0.1:${port}`);
  return () => stopEmulator(child);
}
