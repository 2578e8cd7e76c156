import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Firestore } from '@google-cloud/firestore';
import { RawClient, startTestRelay, type TestRelay } from '../harness.js';
import { eventually, identity, signed } from '../helpers.js';
import { findJar, freePort, startEmulator, stopEmulator } from '../setup/firestore-emulator.js';
import { emulatorHost } from '../storage/firestore-env.js';

/** A fresh emulator JVM is slow to answer its first request; pay that before the relay's deadlines apply. */
async function warmUp(port: number): Promise<void> {
  const db = new Firestore({ projectId: 'warm-up', host: `127.0.0.1:${port}`, ssl: false });
  await db.collection('warm').doc('up').get();
  await db.terminate();
}

async function healthStatus(relay: TestRelay): Promise<number> {
  return (await fetch(`${relay.httpUrl}/health`)).status;
}


// Skipped like the other Firestore suites when no emulator is available. This file runs an emulator
// of its own (it stops it), so the shared one stays up for the other suites.
describe.skipIf(!emulatorHost)('relay on Firestore during a store outage', () => {
  const jar = findJar() as string;
  let port: number;
  let child: ChildProcess | undefined;
  let relay: TestRelay;

  beforeAll(async () => {
    port = await freePort();
    child = await startEmulator(jar, port);
    await warmUp(port);
    // The driver honours FIRESTORE_EMULATOR_HOST (this test file runs in its own worker process).
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
    relay = await startTestRelay({
      overrides: { storage: { backend: 'firestore', firestore: { project_id: 'relay-outage' } }, rate_limits: { events_per_minute: 0 } },
    });
  }, 120_000);
  afterAll(async () => {
    await relay?.stop();
    if (child) await stopEmulator(child);
  });

  it('answers OK false error: and /health 503 while the store is down, and recovers without restart', async () => {
    const who = identity();
    const c = await RawClient.open(relay.url);
    expect((await c.publish(signed(who)))[2]).toBe(true);
    expect(await healthStatus(relay)).toBe(200);

    await stopEmulator(child as ChildProcess);
    child = undefined;
    const during = await c.request(['EVENT', signed(who)], (m) => m[0] === 'OK', 60_000);
    expect(during[2]).toBe(false);
    expect(String(during[3])).toMatch(/^error: /);
    expect(await healthStatus(relay)).toBe(503);
    // Reads fail closed too, and the connection lives on.
    expect(c.ws.readyState).toBe(c.ws.OPEN);

    child = await startEmulator(jar, port);
    await warmUp(port);
    await eventually(async () => (await healthStatus(relay)) === 200, { timeoutMs: 60_000, intervalMs: 100, what: '/health 200' });
    // A client retries what was refused; the first commit on a cold emulator may still miss its deadline.
    const after = signed(who);
    let accepted = false;
    for (const end = Date.now() + 60_000; !accepted && Date.now() < end; ) {
      const ok = await c.request(['EVENT', after], (m) => m[0] === 'OK' && m[1] === after.id, 30_000);
      accepted = ok[2] === true;
    }
    expect(accepted).toBe(true);
    const r = await c.req('back', { ids: [after.id] });
    expect(r.events.map((e) => e.id)).toEqual([after.id]);
    c.close();
  }, 240_000);
});
