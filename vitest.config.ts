import { defineConfig } from 'vitest/config';

/**
 * Four tiers, one vitest project each. `npm test` runs them all; `npm run test:<tier>` one of them
 * (`vitest run --project <tier>`). A test file belongs to exactly one tier:
 *
 * - unit: pure modules and in-process stores (SQLite :memory: or a temp file). No relay server, no
 *   child process, no emulator. Unit tests of src/ sit beside their module (`src/nostr/filter.test.ts`).
 * - firestore: every file that needs the Firestore emulator, which only this project's global setup
 *   starts (Java, seconds). A file that reads the emulator host outside this project fails at once
 *   (test/storage/firestore-env.ts), so it cannot be skipped by mistake.
 * - slow: child processes (relay processes, CLI runs, promtool), a browser, the image replay.
 * - integration: everything else under test/, mostly real relays in process with real WebSocket
 *   clients. A new test file lands here unless it is listed in another tier.
 */
const UNIT = [
  'src/**/*.test.ts',
  'test/admin/overview.test.ts',
  'test/auth/access-control.test.ts',
  'test/auth/allowlist-cli.test.ts',
  'test/auth/http-authenticator.test.ts',
  'test/auth/nip42.test.ts',
  'test/auth/nip86.test.ts',
  'test/auth/nip98.test.ts',
  'test/auth/policies.test.ts',
  'test/auth/rate-limits.test.ts',
  'test/auth/shared-replay.test.ts',
  'test/config/schema.test.ts',
  'test/config/watch.test.ts',
  'test/deploy/config-docs.test.ts',
  'test/deploy/firestore-setup.test.ts',
  'test/differential/filters-sqlite.test.ts',
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
  'test/runtime/cluster-primary.test.ts',
  'test/storage/feed-shards.test.ts',
  'test/storage/firestore-indexes.test.ts',
  'test/storage/sqlite-group-commit.test.ts',
  'test/storage/sqlite-plans.test.ts',
  'test/verify/config.test.ts',
  'test/verify/open.test.ts',
];

const FIRESTORE = [
  'test/admin/admin-session.test.ts',
  'test/auth/access-control-firestore.test.ts',
  'test/cli/transfer.test.ts',
  'test/differential/filters-firestore.test.ts',
  'test/firestore/*.test.ts',
  'test/mls-gateway/e2e-mls-flow.test.ts',
  'test/mls-gateway/firestore-gateway.test.ts',
  'test/mls-gateway/rest-paging.test.ts',
  'test/relay/pipelined-events.test.ts',
  'test/relay/superseded-versions.test.ts',
  'test/reliability/store-outage.test.ts',
  'test/storage/firestore-outage.test.ts',
  'test/storage/firestore.test.ts',
];

const SLOW = [
  'test/admin/console.browser.test.ts',
  'test/admin/ops.test.ts',
  'test/config/config.test.ts',
  'test/deploy/cluster.test.ts',
  'test/deploy/image-smoke.test.ts',
  'test/deploy/sigterm.test.ts',
  'test/reliability/crash-safety.test.ts',
  'test/storage/sqlite-cluster.test.ts',
  'test/storage/sqlite.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // One worker thread per core reused across files: unit files import the same modules, and their
      // import (transform + load) costs more than their tests. So a unit file must leave no state behind
      // (fake timers restored in `finally`, no process.env changes: test/verify/select.test.ts needs forks).
      { extends: true, test: { name: 'unit', include: UNIT, pool: 'threads', isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...FIRESTORE, ...SLOW],
        },
      },
      // The Firestore suites share one emulator process, started once for this project only.
      { extends: true, test: { name: 'firestore', include: FIRESTORE, globalSetup: ['test/setup/global-setup.ts'] } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
