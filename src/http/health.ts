import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../version.js';

/** Health checks by name; each throws when unhealthy. */
export type HealthOptions = { checks: Record<string, () => Promise<void>>; timeoutMs?: number; startedAt: number };

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      () => (clearTimeout(t), resolve()),
      (e: unknown) => (clearTimeout(t), reject(e as Error)),
    );
  });
}

/** GET /health: 200 `{"status":"healthy",…}` or 503 naming the failing check. */
export const healthPlugin: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get('/health', async (_req, reply) => {
    const checks: Record<string, string> = {};
    let healthy = true;
    for (const [name, check] of Object.entries(opts.checks)) {
      try {
        await withTimeout(check(), opts.timeoutMs ?? 2000);
        checks[name] = 'ok';
      } catch (err) {
        healthy = false;
        checks[name] = (err as Error).message === 'timeout' ? 'timeout' : 'error';
      }
    }
    return reply.code(healthy ? 200 : 503).send({
      status: healthy ? 'healthy' : 'unhealthy',
      version: VERSION,
      uptime_seconds: Math.floor((Date.now() - opts.startedAt) / 1000),
      checks,
    });
  });
};
