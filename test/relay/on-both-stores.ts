import { afterAll, beforeAll, describe } from 'vitest';
import { startTestRelay, type TestRelay } from '../harness.js';
import { emulatorHost, freshProjectId } from '../storage/firestore-env.js';

/**
 * Defines `cases` twice: against a relay on SQLite, and against one on the Firestore emulator (skipped
 * without it; the file must be in the firestore project of vitest.config.ts). No extensions on Firestore.
 */
export function onBothStores(title: string, cases: (relay: () => TestRelay) => void): void {
  describe(`${title} (SQLite)`, () => {
    let relay: TestRelay;
    beforeAll(async () => {
      relay = await startTestRelay();
    });
    afterAll(async () => relay?.stop());
    cases(() => relay);
  });

  describe.skipIf(!emulatorHost)(`${title} (Firestore emulator)`, () => {
    let relay: TestRelay;
    beforeAll(async () => {
      process.env.FIRESTORE_EMULATOR_HOST = emulatorHost!;
      const project_id = freshProjectId(title.replace(/[^a-z]+/gi, '-').slice(0, 20).toLowerCase());
      relay = await startTestRelay({ overrides: { storage: { backend: 'firestore', firestore: { project_id } }, extensions: { enabled: [] } } });
    });
    afterAll(async () => relay?.stop());
    cases(() => relay);
  });
}
