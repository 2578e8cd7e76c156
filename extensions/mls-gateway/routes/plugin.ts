import type { FastifyPluginAsync } from 'fastify';
import { registerAdminRoutes } from './admin-routes.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { sendGatewayError } from './http-errors.js';
import { registerMessageRoutes } from './message-routes.js';
import type { DepsSource } from './route-deps.js';
import { registerWelcomeRoutes } from './welcome-routes.js';

/** Where the gateway's REST API is mounted. */
export const MLS_API_PREFIX = '/api/v1/mls';

/**
 * The gateway's REST API as an encapsulated fastify plugin (its error handler stays inside).
 * Every route authenticates with NIP-98 through the relay and reads through its read gate.
 */
export function createMlsRoutes(source: DepsSource): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler(sendGatewayError);
    registerDirectoryRoutes(app, source);
    registerMessageRoutes(app, source);
    registerWelcomeRoutes(app, source);
    registerAdminRoutes(app, source);
  };
}
