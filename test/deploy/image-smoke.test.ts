import { describe, expect, it } from 'vitest';
import { runImageSmoke } from '../../scripts/image-smoke.js';

// Replays the Dockerfile (two clean `npm ci` from the lockfile, native builds included, `npm run build`),
// then starts the runtime stage as the container would. Minutes, not seconds, on a 2-core machine.
const SMOKE_TIMEOUT_MS = 25 * 60_000;
// It runs in CI (.ci/run) and on demand (RUN_IMAGE_SMOKE=1); a newcomer's `npm test` stays a few minutes long.
const RUN_SMOKE = Boolean(process.env.CI) || process.env.RUN_IMAGE_SMOKE === '1';
if (!RUN_SMOKE) console.warn('[image-smoke] skipped: set RUN_IMAGE_SMOKE=1 (CI sets CI) to replay the Dockerfile');

describe.skipIf(!RUN_SMOKE)('container image (Dockerfile replayed without a Docker engine)', () => {
  it(
    'builds, ships only the runtime files, answers /health and its HEALTHCHECK, takes an authenticated publish, refuses a stranger and exits 0 on SIGTERM',
    async () => {
      const r = await runImageSmoke();
      const why = `relay log:\n${r.logTail.join('\n')}`;
      // Runtime stage: production deps, compiled code, config and package.json (version), nothing else.
      expect(r.shipped, why).toEqual(['config', 'data', 'dist', 'node_modules', 'package.json']);
      expect(r.cmd).toEqual(['node', 'dist/src/main.js', 'start']);
      if (process.getuid?.() === 0) expect(r.ranAsUid, 'USER node (uid 1000) must be able to run the image').toBe(1000);
      expect(r.health.status, why).toBe(200);
      expect(r.health.body).toMatchObject({ status: 'healthy', version: expect.stringMatching(/^\d+\.\d+\.\d+/), checks: { database: 'ok' } });
      expect(r.healthcheckExitCode, 'the HEALTHCHECK command must pass against a healthy relay').toBe(0);
      expect(r.published, why).toEqual({ ok: true, message: expect.any(String) });
      expect(r.readBack, 'the published event is stored and readable').toBe(1);
      expect(r.strangerAuth.ok, 'a pubkey outside RELAY_AUTH_ALLOWLIST must be refused').toBe(false);
      expect(r.strangerAuth.message).toMatch(/^restricted:/);
      expect(r.signal, why).toBeNull();
      expect(r.exitCode, why).toBe(0);
    },
    SMOKE_TIMEOUT_MS,
  );
});
