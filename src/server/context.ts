import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Actor, type AppContext, type AppDeps, AppError } from '../app/context.js';

/**
 * A group of API routes: a Fastify plugin typed by its zod schemas. Every route is registered
 * under `/api` and, unless its `config.public` is true, answers 401 without a session or token.
 */
export type Routes = FastifyPluginAsyncZod;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asks: set by the auth plugin from the session cookie or the bearer token, else null. */
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** The application's dependencies, shared by every request. */
    deps: AppDeps;
  }
  interface FastifyContextConfig {
    /** Answers without a session or token (health, sign-in, first-run setup). */
    public?: boolean;
  }
}

/** The use-case context of a request; `unauthorized` when nobody is signed in. */
export function ctxOf(request: FastifyRequest): AppContext {
  if (!request.actor) throw new AppError('unauthorized', 'sign in or send an API token');
  return { actor: request.actor, deps: request.server.deps };
}
