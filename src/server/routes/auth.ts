import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../app/context.js';
import {
  completeSetup,
  completeSetupInput,
  csrfTokenFor,
  currentUser,
  endSessions,
  hasNoUsers,
  listSessions,
  login,
  loginInput,
  logout,
  passwordSchema,
  revokeSession,
  sessionView,
  setPassword,
  startSession,
  userView,
} from '../../app/users.js';
import { clearSessionCookie, signIn } from '../auth.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

/** Sign-in requests of any outcome allowed per client address in {@link LOGIN_WINDOW}. */
export const LOGINS_PER_ADDRESS = 100;
export const LOGIN_WINDOW = '15 minutes';

function tooMany(_request: unknown, context: { after: string }): AppError {
  return new AppError(
    'too_many_requests',
    `too many requests from your address: try again in ${context.after}`,
  );
}

const signedIn = z.object({
  user: userView,
  /** Send it as `x-csrf-token` on every write made with the session cookie. */
  csrfToken: z.string(),
  expiresAt: z.string(),
});

const me = z.object({
  user: userView,
  via: z.enum(['session', 'token']),
  /** The session's CSRF token; null when signed in with an API token (which needs none). */
  csrfToken: z.string().nullable(),
});

const idParams = z.object({ id: z.coerce.number().int().positive() });

function sessionMeta(request: FastifyRequest) {
  return { userAgent: request.headers['user-agent'], ip: request.ip };
}

/** Sign in and out, who am I, first-run setup, one's sessions and password. */
export const authRoutes: Routes = async (app) => {
  app.post(
    '/auth/login',
    {
      config: {
        public: true,
        // A flood guard per address; guessing one account's password is stopped by loginThrottle.
        rateLimit: { max: LOGINS_PER_ADDRESS, timeWindow: LOGIN_WINDOW, errorResponseBuilder: tooMany },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password: sets the session cookie, answers the CSRF token',
        security: [],
        body: loginInput,
        response: { 200: signedIn, ...errorResponses(429) },
      },
    },
    async (request, reply) => {
      const throttle = request.server.loginThrottle;
      const key = `${request.ip}|${request.body.email}`;
      const wait = throttle.waitFor(key);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        reply.header('retry-after', String(seconds));
        throw new AppError(
          'too_many_requests',
          `too many failed sign-ins for this email from your address: try again in ${Math.ceil(seconds / 60)} min`,
        );
      }
      let session: Awaited<ReturnType<typeof login>>;
      try {
        session = await login(request.server.deps, request.body, sessionMeta(request));
      } catch (err) {
        if (err instanceof AppError && err.code === 'unauthorized') throttle.failed(key);
        throw err;
      }
      throttle.succeeded(key);
      return await signIn(request, reply, session);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends this session and removes its cookie',
        response: { 200: z.object({ signedOut: z.boolean() }), ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const token = request.auth?.sessionToken;
      if (!token) return { signedOut: false };
      await logout(request.server.deps, token);
      clearSessionCookie(request, reply);
      return { signedOut: true };
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, with the CSRF token of this session',
        response: { 200: me, ...errorResponses() },
      },
    },
    async (request) => {
      const user = await currentUser(ctxOf(request));
      const token = request.auth?.sessionToken;
      return {
        user,
        via: request.auth?.via ?? 'token',
        csrfToken: token === undefined ? null : csrfTokenFor(token),
      };
    },
  );

  app.get(
    '/auth/setup',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Whether first-run setup is needed (nobody has an account yet)',
        security: [],
        response: { 200: z.object({ needed: z.boolean() }), ...errorResponses() },
      },
    },
    async (request) => ({ needed: await hasNoUsers(request.server.deps) }),
  );

  app.post(
    '/auth/setup',
    {
      config: {
        public: true,
        rateLimit: { max: 20, timeWindow: LOGIN_WINDOW, errorResponseBuilder: tooMany },
      },
      schema: {
        tags: ['auth'],
        summary: 'First run: spend the one-time setup token on the first admin and sign in',
        security: [],
        body: completeSetupInput,
        response: { 201: signedIn, ...errorResponses(403, 409, 429) },
      },
    },
    async (request, reply) => {
      const deps = request.server.deps;
      const user = await completeSetup(deps, request.body);
      const session = await startSession(deps, user, sessionMeta(request));
      return reply.code(201).send(await signIn(request, reply, session));
    },
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: "Change one's own password: every other session ends",
        body: z.object({ currentPassword: z.string().max(1024), password: passwordSchema }),
        response: { 200: z.object({ user: userView }), ...errorResponses(403) },
      },
    },
    async (request) => {
      const user = await setPassword(ctxOf(request), request.body, request.auth?.sessionId);
      return { user };
    },
  );

  app.get(
    '/auth/sessions',
    {
      schema: {
        tags: ['auth'],
        summary: "The signed-in user's live sessions; `current` marks this one",
        response: { 200: z.object({ sessions: z.array(sessionView) }), ...errorResponses() },
      },
    },
    async (request) => ({ sessions: await listSessions(ctxOf(request), request.auth?.sessionId) }),
  );

  app.delete(
    '/auth/sessions',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere else: end every session of the signed-in user but this one',
        response: { 200: z.object({ revoked: z.number().int() }), ...errorResponses(403) },
      },
    },
    async (request) => {
      const keep = request.auth?.sessionId;
      return {
        revoked: await endSessions(ctxOf(request), keep === undefined ? {} : { exceptSessionId: keep }),
      };
    },
  );

  app.delete(
    '/auth/sessions/:id',
    {
      schema: {
        tags: ['auth'],
        summary: "End a session (one's own; an admin may end anyone's)",
        params: idParams,
        response: {
          200: z.object({ id: z.number().int(), revoked: z.literal(true) }),
          ...errorResponses(403, 404),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await revokeSession(ctxOf(request), { id });
      if (request.auth?.sessionId === id) clearSessionCookie(request, reply);
      return { id, revoked: true as const };
    },
  );
};
