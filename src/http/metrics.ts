import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { timingSafeEqual } from 'node:crypto';

/** Options of metricsPlugin. */
export type MetricsPluginOptions = {
  registry: Registry;
  /** `metrics.token`: when set, `Authorization: Bearer <token>` is required. */
  token: string;
  /**
   * True on the public port: without a token /metrics answers 404 there (metadata stays on the
   * loopback metrics listener, src/http/metrics-server.ts). False on that listener.
   */
  requireToken: boolean;
};

/** GET /metrics in Prometheus text format, behind a bearer token when one is configured. */
export const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, opts) => {
  const expected = Buffer.from(`Bearer ${opts.token}`);
  app.get('/metrics', async (req, reply) => {
    if (!opts.token && opts.requireToken) {
      return reply.code(404).send({ error: 'not_found', message: 'metrics are served on the metrics listener ([metrics] host and port), or here with [metrics] token set' });
    }
    if (opts.token) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        return reply.code(401).send({ error: 'unauthorized', message: 'a valid bearer token is required' });
      }
    }
    return reply.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
};
