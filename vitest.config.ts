import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Firestore suites share one emulator process started once for the whole run.
    globalSetup: ['test/setup/global-setup.ts'],
  },
});
