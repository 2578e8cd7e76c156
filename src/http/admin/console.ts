import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * The console's Content-Security-Policy: only its own script and stylesheet, calls to its own
 * origin, no inline code, no frames, no forms posting elsewhere. Nothing is fetched from a CDN.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Options of the console plugin. */
export type AdminConsoleOptions = {
  /** The relay's public http(s) URL: the console signs NIP-98 `u` tags with its origin. */
  relayHttpUrl: string;
};

const ASSETS = new URL('./assets/', import.meta.url);
const TYPES: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', ADMIN_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

/**
 * GET /admin: the admin console, a static page and one dependency-free ES module read from
 * src/http/admin/assets at startup (no build step; `npm run build` images copy the folder).
 */
export const adminConsolePlugin: FastifyPluginAsync<AdminConsoleOptions> = async (app, opts) => {
  const origin = new URL(opts.relayHttpUrl).origin;
  const html = readFileSync(new URL('index.html', ASSETS), 'utf8').replace('__RELAY_ORIGIN__', escapeAttr(origin));
  const files = Object.fromEntries(Object.keys(TYPES).map((name) => [name, readFileSync(new URL(name, ASSETS))]));
  const page = async (_req: unknown, reply: FastifyReply) =>
    secure(reply).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  app.get('/admin', page);
  app.get('/admin/', page);
  for (const [name, body] of Object.entries(files)) {
    app.get(`/admin/${name}`, async (_req, reply) => secure(reply).header('cache-control', 'no-cache').type(TYPES[name] as string).send(body));
  }
};
