import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { openFirestoreStorage } from '../../src/storage/firestore/open.js';
import type { Storage } from '../../src/storage/types.js';

// The emulator needs no credentials: skip google-auth's probe of the GCE metadata server (and the
// MetadataLookupWarning it prints when there is none).
process.env.METADATA_SERVER_DETECTION ??= 'none';

/**
 * host:port of the emulator started by the global setup, or null when the Firestore suites skip.
 * Only the `firestore` project runs that setup: a file of another project would get undefined and
 * skip its suites silently, even in CI, so it fails here instead.
 */
export const emulatorHost: string | null = emulatorHostOfThisProject();

function emulatorHostOfThisProject(): string | null {
  const host = inject('firestoreEmulatorHost');
  if (host === undefined) throw new Error('this file uses the Firestore emulator: list it in the firestore project of vitest.config.ts');
  return host;
}

/** A project id of its own, so test files (and tests) can share the emulator in parallel. */
export function freshProjectId(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}

/** Opens the Firestore backend on the emulator. */
export async function openEmulatorStorage(projectId: string, extra: { instanceId?: string; collectionPrefix?: string } = {}): Promise<Storage> {
  if (!emulatorHost) throw new Error('no Firestore emulator');
  return openFirestoreStorage({
    projectId,
    databaseId: '(default)',
    collectionPrefix: extra.collectionPrefix ?? '',
    instanceId: extra.instanceId,
    emulatorHost,
    timeoutMs: 20_000,
  });
}

/** Deletes every document of a project on the emulator. */
export async function resetEmulatorProject(projectId: string): Promise<void> {
  if (!emulatorHost) return;
  const res = await fetch(`http://${emulatorHost}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`emulator reset failed: ${res.status}`);
}
