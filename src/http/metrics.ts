import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { timingSafeEqual } from 'node:crypto';

/** GET /metrics in Prometheus text format; with a token configured, `Authorization: Bearer <token>` is required. */
export const metricsPlugin: FastifyPluginAsync<{ registry: Registry; token: string }> = async (app, opts) => {
  const expected = Buffer.from(`Bearer ${opts.token}`);
  app.get('/metrics', async (req, reply) => {
    if (opts.token) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        return reply.code(401).send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      }
    }
    return reply.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
};
