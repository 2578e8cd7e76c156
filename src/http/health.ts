import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../version.js';

/** Health checks by name; each throws when unhealthy. */
export type HealthChecks = Record<string, () => Promise<void>>;

/** Options of the health plugin. */
export type HealthOptions = { checks: HealthChecks; timeoutMs?: number; startedAt: number };

/** The verdict of one check: `ok`, `error` (it threw) or `timeout` (no answer within the bound). */
export type CheckResult = 'ok' | 'error' | 'timeout';

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      () => (clearTimeout(t), resolve()),
      (e: unknown) => (clearTimeout(t), reject(e as Error)),
    );
  });
}

/**
 * Runs every check, each bounded by `timeoutMs` (default 2 s). The one place checks are run: GET /health,
 * the health gauge scraped by Prometheus and the admin console's Overview give the same verdicts.
 */
export async function runHealthChecks(checks: HealthChecks, timeoutMs = 2000): Promise<{ healthy: boolean; checks: Record<string, CheckResult> }> {
  const out: Record<string, CheckResult> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        out[name] = 'ok';
      } catch (err) {
        out[name] = (err as Error).message === 'timeout' ? 'timeout' : 'error';
      }
    }),
  );
  return { healthy: Object.values(out).every((c) => c === 'ok'), checks: out };
}

/** GET /health: 200 `{"status":"healthy",…}` or 503 naming the failing check. */
export const healthPlugin: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get('/health', async (_req, reply) => {
    const { healthy, checks } = await runHealthChecks(opts.checks, opts.timeoutMs);
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'healthy' : 'unhealthy',
      version: VERSION,
      uptime_seconds: Math.floor((Date.now() - opts.startedAt) / 1000),
      checks,
    });
  });
};
