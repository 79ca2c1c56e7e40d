import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app/context.js';
import {
  actorForSession,
  actorForToken,
  csrfTokenFor,
  csrfTokenMatches,
  logout,
  prepareSignIn,
  SESSION_TTL_MS,
  type StartedSession,
} from '../app/users.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'affinity_sync_session';
/** The header a cookie-authenticated write must carry, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** How a request was authenticated, for the routes that care (sign out, the session list, CSRF). */
export interface RequestAuth {
  via: 'session' | 'token';
  /** The session's id and cookie value (session only). */
  sessionId?: number;
  sessionToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** How `actor` was established, or null when nobody is signed in. */
    auth: RequestAuth | null;
  }
  interface FastifyInstance {
    /** Failed sign-ins per client address and email, for the sign-in route. */
    loginThrottle: LoginThrottle;
  }
}

/** Failed sign-ins allowed per client address and email in {@link LOGIN_FAILURE_WINDOW_MS}. */
export const LOGIN_ATTEMPTS = 10;
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Failed sign-ins counted per key (client address and email) in a fixed window: after `max`
 * failures the key is refused until its window ends. A successful sign-in clears its key, so only
 * guessing is slowed, never someone who signs in often. Kept in the process's memory: each server
 * process counts on its own.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; resetAt: number }>();
  constructor(
    readonly max = LOGIN_ATTEMPTS,
    readonly windowMs = LOGIN_FAILURE_WINDOW_MS,
  ) {}

  /** Milliseconds until `key` may try again, or 0 when it may now. */
  waitFor(key: string, now = Date.now()): number {
    const entry = this.#failures.get(key);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.max ? entry.resetAt - now : 0;
  }

  failed(key: string, now = Date.now()): void {
    const entry = this.#failures.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.#failures.size >= 10_000) this.#sweep(now);
      this.#failures.set(key, { count: 1, resetAt: now + this.windowMs });
    } else {
      entry.count += 1;
    }
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(key);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who asks, for every request: installed on the root instance before the routes. Sets
 * `request.actor` from the session cookie or an `Authorization: Bearer` API token, answers 401 on
 * every route not marked `config.public` when nobody is signed in, and checks the CSRF token on
 * cookie-authenticated writes (403 `csrf`). Unknown routes still answer 404.
 *
 * Also registers `@fastify/cookie` and `@fastify/rate-limit` (not global: a route opts in with
 * `config.rateLimit`) on the root instance, so no other plugin needs to.
 */
export async function installAuth(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  app.decorateRequest('actor', null);
  app.decorateRequest('auth', null);
  app.decorate('loginThrottle', new LoginThrottle());
  await prepareSignIn();

  app.addHook('onRequest', async (request, reply) => {
    // Unknown routes fall through to the not-found handler: 404, never 401.
    if (request.routeOptions.url === undefined) return;
    const isPublic = request.routeOptions.config?.public === true;
    const deps = request.server.deps;

    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const actor = match ? await actorForToken(deps, match[1]!) : null;
      if (actor) {
        request.actor = actor;
        request.auth = { via: 'token' };
        return;
      }
      if (isPublic) return;
      throw new AppError(
        'unauthorized',
        match
          ? 'the API token is unknown, revoked or expired'
          : 'the Authorization header must be `Bearer <API token>`',
      );
    }

    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie) {
      const found = await actorForSession(deps, cookie);
      if (found) {
        request.actor = found.actor;
        request.auth = { via: 'session', sessionId: found.sessionId, sessionToken: cookie };
        if (found.extended) setSessionCookie(request, reply, cookie);
      } else {
        clearSessionCookie(request, reply);
      }
    }
    if (isPublic) return;
    if (!request.actor) {
      throw new AppError(
        'unauthorized',
        cookie ? 'your session has ended: sign in again' : 'sign in or send an API token',
      );
    }
    if (request.auth?.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(cookie!, typeof header === 'string' ? header : undefined)) {
        // Code `csrf` (not `forbidden`) so the web UI can tell it apart and fetch a fresh token.
        return reply
          .code(403)
          .type('application/json; charset=utf-8')
          .send({
            error: {
              code: 'csrf',
              message: `a signed-in write must send the ${CSRF_HEADER} header with the csrfToken of GET /api/auth/me or of the sign-in answer`,
            },
          });
      }
    }
  });
}

/**
 * The first-run link `serve` prints: the web UI's setup page with the token in the fragment, which
 * browsers never send to a server, so it stays out of access logs and proxies.
 */
export function setupUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}/setup#token=${encodeURIComponent(token)}`;
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure when the request came over TLS. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    // `protocol` honours X-Forwarded-Proto only when the server trusts its proxy.
    secure: request.protocol === 'https',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

/** Removes the session cookie from the browser. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: request.protocol === 'https',
  });
}

/**
 * Signs a browser in: the cookie for `session`, and the answer's `{user, csrfToken, expiresAt}`.
 * A session the browser already held ends, so one browser holds one session.
 */
export async function signIn(request: FastifyRequest, reply: FastifyReply, session: StartedSession) {
  const previous = request.auth?.via === 'session' ? request.auth.sessionToken : undefined;
  if (previous !== undefined && previous !== session.token) await logout(request.server.deps, previous);
  setSessionCookie(request, reply, session.token);
  request.actor = { id: session.user.email, role: session.user.role, userId: session.user.id };
  request.auth = { via: 'session', sessionId: session.sessionId, sessionToken: session.token };
  return { user: session.user, csrfToken: csrfTokenFor(session.token), expiresAt: session.expiresAt };
}
