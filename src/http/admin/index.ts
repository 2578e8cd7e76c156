import type { FastifyInstance } from 'fastify';
import { ADMIN_API_PREFIX, adminApiPlugin, type AdminApiOptions } from './api.js';
import { adminConsolePlugin } from './console.js';
import { CounterHistory, sampleCounters } from './overview.js';

export { adminAuthenticator, type AdminCaller } from './auth.js';

/** What registerAdmin needs: the admin API's options minus the history it creates, plus the public URL. */
export type AdminWiring = Omit<AdminApiOptions, 'history'> & { relayHttpUrl: string };

/**
 * Mounts the admin console (GET /admin) and its API (/api/v1/admin), and starts the counter
 * history the Overview charts. Returns a stop function for shutdown.
 */
export async function registerAdmin(app: FastifyInstance, wiring: AdminWiring): Promise<() => void> {
  const { relayHttpUrl, ...api } = wiring;
  const history = new CounterHistory(() => sampleCounters(api.registry, api.sessions.size));
  await history.start();
  await app.register(adminConsolePlugin, { relayHttpUrl });
  await app.register(adminApiPlugin, { ...api, history, prefix: ADMIN_API_PREFIX });
  return () => history.stop();
}
