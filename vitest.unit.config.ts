import { defineConfig } from 'vitest/config';

/**
 * The fast tier (`npm run test:unit`): pure modules and in-process stores (SQLite :memory: or a temp file), no relay
 * server, no child process, no Firestore emulator (no global setup: its suites are not listed here). Run it
 * constantly; run `npm test` (everything) before submitting.
 */
export default defineConfig({
  test: {
    include: [
      'test/admin/overview.test.ts',
      'test/auth/access-control.test.ts',
      'test/auth/allowlist-file.test.ts',
      'test/auth/http-authenticator.test.ts',
      'test/auth/nip42.test.ts',
      'test/auth/nip86.test.ts',
      'test/auth/nip98.test.ts',
      'test/auth/policies.test.ts',
      'test/auth/rate-limits.test.ts',
      'test/deploy/config-docs.test.ts',
      'test/deploy/firestore-setup.test.ts',
      'test/mls-gateway/consume-on-fetch.test.ts',
      'test/mls-gateway/group-activity.test.ts',
      'test/mls-gateway/keypackage-directory.test.ts',
      'test/mls-gateway/mailbox-rest.test.ts',
      'test/mls-gateway/message-shape.test.ts',
      'test/mls-gateway/roster-mode.test.ts',
      'test/mls-gateway/roster.test.ts',
      'test/mls/keypackage-validate.test.ts',
      'test/relay/dispatch-refusals.test.ts',
      'test/relay/logging.test.ts',
      'test/storage/feed-shards.test.ts',
      'test/storage/firestore-indexes.test.ts',
      'test/storage/sqlite-group-commit.test.ts',
      'test/storage/sqlite-plans.test.ts',
      'test/verify/config.test.ts',
    ],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
