import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { openFirestoreStorage } from '../../src/storage/firestore/open.js';
import type { Storage } from '../../src/storage/types.js';
import { findJar, startEmulator, startEmulatorOnFreePort, stopEmulator } from '../setup/firestore-emulator.js';
import { eventually, identity, signed } from '../helpers.js';
import { emulatorHost } from './firestore-env.js';

/** A fresh emulator JVM answers its first request in ~4 s; pay that before the 5 s deadlines apply. */
async function warmUp(port: number): Promise<void> {
  const db = new Firestore({ projectId: 'warm-up', host: `127.0.0.1:${port}`, ssl: false });
  await db.collection('warm').doc('up').get();
  await db.terminate();
}

// This file stops and restarts an emulator of its own, so the shared one stays up for the others.
describe.skipIf(!emulatorHost)('Firestore backend during an outage', () => {
  const jar = findJar() as string;
  let port: number;
  let child: ChildProcess | undefined;
  let storage: Storage;

  beforeAll(async () => {
    ({ child, port } = await startEmulatorOnFreePort(jar));
    await warmUp(port);
    storage = await openFirestoreStorage({
      projectId: 'outage',
      databaseId: '(default)',
      collectionPrefix: '',
      emulatorHost: `127.0.0.1:${port}`,
      timeoutMs: 5_000,
    });
  });
  afterAll(async () => {
    if (child) await stopEmulator(child);
    await storage?.close();
  });

  it('answers error (never saved) while Firestore is down, and recovers by itself when it returns', async () => {
    const who = identity();
    const before = signed(who);
    expect(await storage.events.saveBatch([{ event: before }])).toEqual([{ status: 'saved' }]);

    await stopEmulator(child as ChildProcess);
    child = undefined;
    const during = [signed(who), signed(who)];
    const results = await storage.events.saveBatch(during.map((event) => ({ event })));
    expect(results.map((r) => r.status)).toEqual(['error', 'error']);
    await expect(storage.events.health()).rejects.toMatchObject({ prefix: 'error' });

    child = await startEmulator(jar, port);
    await warmUp(port);
    // The channel reconnects on its own; health turns good again without reopening the store.
    const healthy = () =>
      storage.events.health().then(
        () => true,
        () => false,
      );
    await eventually(healthy, { timeoutMs: 60_000, intervalMs: 100, what: 'a healthy store' });
    // The restarted emulator starts empty; the events refused during the outage can be sent again.
    // A client retries refused events; the first commit on a cold emulator JVM can still miss the deadline.
    let statuses: string[] = [];
    for (const until = Date.now() + 60_000; !(statuses.length > 0 && !statuses.includes('error')) && Date.now() < until; ) {
      statuses = (await storage.events.saveBatch(during.map((event) => ({ event })))).map((r) => r.status);
    }
    // A save answered `error` after its deadline may still commit once Firestore answers again (the
    // driver keeps retrying it), so the client's retry may find it stored: duplicate, never lost.
    expect(statuses).toHaveLength(2);
    for (const status of statuses) expect(['saved', 'duplicate']).toContain(status);
    expect(await storage.events.count([{ authors: [who.pk] }])).toBe(2);
  }, 180_000);
});
