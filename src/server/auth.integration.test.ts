import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import type { AppDeps } from '../app/context.js';
import { createUser, hashToken, setupLinkIfNoUsers } from '../app/users.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { appApiTokens, appSessions, appUsers } from '../store/index.js';
import { openTestStore, type TestStore } from '../store/testing.js';
import { LOCAL_ADMIN } from '../sync/roles.js';
import { buildServer, type ServerOptions } from './app.js';
import { LOGIN_ATTEMPTS, SESSION_COOKIE } from './auth.js';
import { LOGINS_PER_ADDRESS } from './routes/auth.js';

interface Call {
  method?: string;
  body?: unknown;
  cookie?: string;
  csrf?: string;
  token?: string;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field in assertions
  json: any;
  setCookie: string[];
  headers: Headers;
}

interface Server {
  app: FastifyInstance;
  url: string;
  call(path: string, options?: Call): Promise<Answer>;
  /** Signs in and returns the cookie's value and the CSRF token. */
  signIn(email: string, password: string): Promise<{ cookie: string; csrf: string; answer: Answer }>;
}

async function startServer(deps: AppDeps, options: ServerOptions = {}): Promise<Server> {
  const app = await buildServer(deps, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return wrap(app, `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
}

/** Requests with a cookie and CSRF header of our choosing, over real HTTP. */
function wrap(app: FastifyInstance, url: string): Server {
  const call = async (path: string, o: Call = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.cookie !== undefined) headers.cookie = `${SESSION_COOKIE}=${o.cookie}`;
    if (o.csrf !== undefined) headers['x-csrf-token'] = o.csrf;
    if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(`${url}${path}`, {
      method: o.method ?? 'GET',
      headers,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: text ? JSON.parse(text) : null,
      setCookie: res.headers.getSetCookie(),
      headers: res.headers,
    };
  };
  const signIn = async (email: string, password: string) => {
    const answer = await call('/api/auth/login', { method: 'POST', body: { email, password } });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    const cookie = sessionCookieOf(answer.setCookie);
    expect(cookie).toBeTruthy();
    return { cookie: cookie!, csrf: answer.json.csrfToken as string, answer };
  };
  return { app, url, call, signIn };
}

function sessionCookieOf(setCookie: string[]): string | undefined {
  const line = setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return line?.slice(SESSION_COOKIE.length + 1).split(';')[0];
}

function cookieAttributes(setCookie: string[]): string[] {
  const line = setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
  return line
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

describe('auth over HTTP', () => {
  let ts: TestServer;
  let deps: AppDeps;
  let server: Server;
  let adminId: number;
  let memberId: number;
  let ADMIN: { email: string; password: string };
  let MEMBER: { email: string; password: string };

  beforeAll(async () => {
    ts = await startTestServer({ connect: false });
    deps = ts.deps;
    ADMIN = { email: ts.admin.email, password: ts.admin.password };
    MEMBER = { email: ts.member.email, password: ts.member.password };
    adminId = ts.admin.userId;
    memberId = ts.member.userId;
    server = wrap(ts.app, ts.url);
  });

  afterAll(async () => {
    await ts?.close();
  });

  it('answers 401 in the error shape without a session or token, 404 on unknown routes, and serves public routes', async () => {
    for (const path of ['/api/users', '/api/auth/me', '/api/tokens', '/api/auth/sessions']) {
      const res = await server.call(path);
      expect(res.status, path).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
      expect(res.json.error.message).toMatch(/sign in/);
    }
    expect((await server.call('/api/users', { method: 'POST', body: {} })).status).toBe(401);
    const unknown = await server.call('/api/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const setup = await server.call('/api/auth/setup');
    expect(setup).toMatchObject({ status: 200, json: { needed: false } });
    expect((await server.call('/api/health')).status).toBe(200);
  });

  it('signs in with a normalised email, sets a HttpOnly SameSite=Lax cookie, and signs out', async () => {
    const { cookie, csrf, answer } = await server.signIn(`  ${ADMIN.email.toUpperCase()} `, ADMIN.password);
    expect(answer.json.user).toMatchObject({ id: adminId, email: ADMIN.email, role: 'admin', admin: true });
    expect(JSON.stringify(answer.json)).not.toContain(ADMIN.password);
    const attrs = cookieAttributes(answer.setCookie);
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure');
    expect(attrs.some((a) => a.startsWith('max-age='))).toBe(true);

    const me = await server.call('/api/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ user: { email: ADMIN.email }, via: 'session', csrfToken: csrf });

    // Signing in again from the same browser replaces its session.
    const again = await server.call('/api/auth/login', {
      method: 'POST',
      cookie,
      body: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(again.status).toBe(200);
    const replaced = await server.call('/api/auth/me', { cookie });
    expect(replaced.status).toBe(401);
    const second = sessionCookieOf(again.setCookie)!;
    expect(second).not.toBe(cookie);
    expect(again.json.csrfToken).not.toBe(csrf);

    const out = await server.call('/api/auth/logout', {
      method: 'POST',
      cookie: second,
      csrf: again.json.csrfToken,
    });
    expect(out).toMatchObject({ status: 200, json: { signedOut: true } });
    expect(sessionCookieOf(out.setCookie)).toBe('');
    const after = await server.call('/api/auth/me', { cookie: second });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/session has ended/);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const wrong = await server.call('/api/auth/login', {
      method: 'POST',
      body: { email: ADMIN.email, password: 'not the password' },
    });
    const unknown = await server.call('/api/auth/login', {
      method: 'POST',
      body: { email: 'nobody@example.com', password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.json.error.code).toBe('unauthorized');
    expect(sessionCookieOf(wrong.setCookie)).toBeUndefined();
    const bad = await server.call('/api/auth/login', {
      method: 'POST',
      body: { email: 'not-an-email', password: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/email/);
  });

  it('stops sign-ins after too many failures with 429, per address and email; a success clears the count', async () => {
    await createUser(
      { actor: LOCAL_ADMIN, deps },
      { email: 'target@example.com', password: 'target password' },
    );
    const attempt = (password: string) =>
      server.call('/api/auth/login', { method: 'POST', body: { email: 'target@example.com', password } });
    for (let i = 0; i < LOGIN_ATTEMPTS - 1; i++)
      expect((await attempt(`guess number ${i}`)).status).toBe(401);
    expect((await attempt('target password')).status).toBe(200);
    for (let i = 0; i < LOGIN_ATTEMPTS; i++) expect((await attempt(`guess again ${i}`)).status).toBe(401);
    const limited = await server.call('/api/auth/login', {
      method: 'POST',
      body: { email: ' Target@example.com', password: 'target password' },
    });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('too_many_requests');
    expect(limited.json.error.message).toMatch(/too many failed sign-ins/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sessionCookieOf(limited.setCookie)).toBeUndefined();
    // Another account from the same address is not locked out by it.
    await server.signIn(MEMBER.email, MEMBER.password);
  });

  it('limits sign-in requests of any outcome per address', async () => {
    const fresh = await startServer(deps);
    try {
      const bad = { method: 'POST', body: { email: 'not-an-email', password: 'x' } };
      for (let i = 0; i < LOGINS_PER_ADDRESS; i++)
        expect((await fresh.call('/api/auth/login', bad)).status).toBe(400);
      const limited = await fresh.call('/api/auth/login', { method: 'POST', body: { ...ADMIN } });
      expect(limited.status).toBe(429);
      expect(limited.json.error).toMatchObject({ code: 'too_many_requests' });
      expect(limited.json.error.message).toMatch(/too many requests from your address/);
    } finally {
      await fresh.app.close();
    }
  });

  it('requires the CSRF header on cookie-authenticated writes, and not on reads', async () => {
    const { cookie, csrf } = await server.signIn(ADMIN.email, ADMIN.password);
    const missing = await server.call('/api/tokens', { method: 'POST', cookie, body: { name: 'x' } });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('csrf');
    const wrong = await server.call('/api/tokens', {
      method: 'POST',
      cookie,
      // The last character changed (never left as it was, whatever the token).
      csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`,
      body: { name: 'x' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.error.code).toBe('csrf');
    // Another session's CSRF token does not fit this one.
    const other = await server.signIn(ADMIN.email, ADMIN.password);
    expect(
      (await server.call('/api/tokens', { method: 'POST', cookie, csrf: other.csrf, body: { name: 'x' } }))
        .status,
    ).toBe(403);
    expect((await server.call('/api/tokens', { cookie })).status).toBe(200);
    const ok = await server.call('/api/tokens', { method: 'POST', cookie, csrf, body: { name: 'laptop' } });
    expect(ok.status).toBe(201);
    expect(ok.json.token).toMatch(/^as_/);
  });

  it('accepts an API token as a bearer without CSRF, shows it once, stores it hashed, and refuses it once revoked', async () => {
    const { cookie, csrf } = await server.signIn(MEMBER.email, MEMBER.password);
    const made = await server.call('/api/tokens', { method: 'POST', cookie, csrf, body: { name: 'script' } });
    expect(made.status).toBe(201);
    const token = made.json.token as string;
    expect(made.json).toMatchObject({ name: 'script', userId: memberId, prefix: token.slice(0, 9) });

    const me = await server.call('/api/auth/me', { token });
    expect(me.json).toMatchObject({
      user: { email: MEMBER.email, role: 'member' },
      via: 'token',
      csrfToken: null,
    });
    const write = await server.call('/api/tokens', {
      method: 'POST',
      token,
      body: { name: 'from a script' },
    });
    expect(write.status).toBe(201);

    const listed = await server.call('/api/tokens', { token });
    expect(listed.json.tokens.map((x: { name: string }) => x.name)).toEqual([
      'tests',
      'script',
      'from a script',
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(token);

    const [row] = await ts.store.db.select().from(appApiTokens).where(eq(appApiTokens.id, made.json.id));
    expect(row!.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const revoked = await server.call(`/api/tokens/${made.json.id}`, { method: 'DELETE', token });
    expect(revoked.status).toBe(200);
    const refused = await server.call('/api/auth/me', { token });
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toMatch(/unknown, revoked or expired/);
    expect((await server.call('/api/auth/me', { token: 'as_made-up' })).status).toBe(401);
    expect(
      (
        await server.call('/api/auth/me', {
          headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        })
      ).status,
    ).toBe(401);
  });

  it('ends sessions: one from another, an expired one, and lists the live ones', async () => {
    const a = await server.signIn(MEMBER.email, MEMBER.password);
    const b = await server.signIn(MEMBER.email, MEMBER.password);
    const list = await server.call('/api/auth/sessions', { cookie: a.cookie });
    const mine = list.json.sessions as { id: number; current: boolean }[];
    const current = mine.find((s) => s.current)!;
    const otherId = mine
      .filter((s) => !s.current)
      .map((s) => s.id)
      .at(0)!;
    expect(current).toBeTruthy();

    // b's session is one of the others; end every other one from a.
    for (const s of mine.filter((x) => !x.current)) {
      const res = await server.call(`/api/auth/sessions/${s.id}`, {
        method: 'DELETE',
        cookie: a.cookie,
        csrf: a.csrf,
      });
      expect(res.status).toBe(200);
    }
    expect(otherId).toBeGreaterThan(0);
    expect((await server.call('/api/auth/me', { cookie: b.cookie })).status).toBe(401);
    expect((await server.call('/api/auth/me', { cookie: a.cookie })).status).toBe(200);

    // A member cannot end someone else's session.
    const admin = await server.signIn(ADMIN.email, ADMIN.password);
    const adminSessions = await server.call('/api/auth/sessions', { cookie: admin.cookie });
    const adminSession = (adminSessions.json.sessions as { id: number; current: boolean }[]).find(
      (s) => s.current,
    )!;
    const refused = await server.call(`/api/auth/sessions/${adminSession.id}`, {
      method: 'DELETE',
      cookie: a.cookie,
      csrf: a.csrf,
    });
    expect(refused.status).toBe(404);
    expect((await server.call('/api/auth/me', { cookie: admin.cookie })).status).toBe(200);

    await ts.store.db
      .update(appSessions)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(appSessions.id, current.id));
    const expired = await server.call('/api/auth/me', { cookie: a.cookie });
    expect(expired.status).toBe(401);
    expect(sessionCookieOf(expired.setCookie)).toBe('');
  });

  it('signs out everywhere else, and lets an admin sign someone out everywhere', async () => {
    const here = await server.signIn(MEMBER.email, MEMBER.password);
    const there = await server.signIn(MEMBER.email, MEMBER.password);
    const elsewhere = await server.call('/api/auth/sessions', {
      method: 'DELETE',
      cookie: here.cookie,
      csrf: here.csrf,
    });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.json.revoked).toBeGreaterThanOrEqual(1);
    expect((await server.call('/api/auth/me', { cookie: there.cookie })).status).toBe(401);
    expect((await server.call('/api/auth/me', { cookie: here.cookie })).status).toBe(200);

    const refused = await server.call(`/api/users/${adminId}/sessions`, {
      method: 'DELETE',
      cookie: here.cookie,
      csrf: here.csrf,
    });
    expect(refused.status).toBe(403);
    const everywhere = await server.call(`/api/users/${memberId}/sessions`, {
      method: 'DELETE',
      token: ts.admin.token,
    });
    expect(everywhere).toMatchObject({ status: 200, json: { revoked: 1 } });
    expect((await server.call('/api/auth/me', { cookie: here.cookie })).status).toBe(401);
    // API tokens are not sessions: they keep working.
    expect((await server.call('/api/auth/me', { token: ts.member.token })).status).toBe(200);
  });

  it('refuses members on the admin routes with 403, and lets them read the team with admins marked', async () => {
    const m = await server.signIn(MEMBER.email, MEMBER.password);
    const team = await server.call('/api/users', { cookie: m.cookie });
    expect(team.status).toBe(200);
    const ada = team.json.users.find((u: { email: string }) => u.email === ADMIN.email);
    expect(ada).toMatchObject({ role: 'admin', admin: true });
    expect(JSON.stringify(team.json)).not.toMatch(/scrypt|password_hash|passwordHash/);

    const writes: [string, string, unknown][] = [
      ['POST', '/api/users', { email: 'eve@example.com', password: 'eve password 1', role: 'admin' }],
      ['PATCH', `/api/users/${memberId}`, { role: 'admin' }],
      ['PATCH', `/api/users/${adminId}`, { role: 'member' }],
      ['DELETE', `/api/users/${adminId}`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await server.call(path, { method, cookie: m.cookie, csrf: m.csrf, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
    }
    // Nor may a member make a token for someone else or see their tokens.
    expect(
      (
        await server.call('/api/tokens', {
          method: 'POST',
          cookie: m.cookie,
          csrf: m.csrf,
          body: { name: 'x', userId: adminId },
        })
      ).status,
    ).toBe(403);
    expect((await server.call(`/api/tokens?userId=${adminId}`, { cookie: m.cookie })).status).toBe(403);
    const users = await ts.store.db.select().from(appUsers);
    expect(users.find((u) => u.email === 'eve@example.com')).toBeUndefined();
  });

  it('lets an admin add, promote, demote and remove people; the removed and demoted lose their sessions and tokens', async () => {
    const admin = await server.signIn(ADMIN.email, ADMIN.password);
    const write = (method: string, path: string, body?: unknown) =>
      server.call(path, { method, cookie: admin.cookie, csrf: admin.csrf, body });

    const short = await write('POST', '/api/users', {
      email: 'carol@example.com',
      password: 'short',
      role: 'member',
    });
    expect(short.status).toBe(400);
    expect(short.json.error.message).toMatch(/password.*at least 10/);

    const carol = await write('POST', '/api/users', {
      email: ' Carol@Example.com',
      password: 'carol password',
      role: 'member',
    });
    expect(carol.status).toBe(201);
    expect(carol.json).toMatchObject({ email: 'carol@example.com', role: 'member', admin: false });
    expect((await write('POST', '/api/users', { email: 'carol@example.com', role: 'member' })).status).toBe(
      409,
    );

    // The password is stored as a salted scrypt hash, never in clear.
    const [row] = await ts.store.db.select().from(appUsers).where(eq(appUsers.id, carol.json.id));
    expect(row!.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(row!.passwordHash).not.toContain('carol password');

    const c = await server.signIn('carol@example.com', 'carol password');
    const promoted = await write('PATCH', `/api/users/${carol.json.id}`, { role: 'admin' });
    expect(promoted.json).toMatchObject({ role: 'admin', admin: true });
    // Promotion keeps her session, and her next request acts as an admin.
    const asAdmin = await server.call('/api/auth/me', { cookie: c.cookie });
    expect(asAdmin.json.user.role).toBe('admin');

    const demoted = await write('PATCH', `/api/users/${carol.json.id}`, { role: 'member' });
    expect(demoted.json.role).toBe('member');
    expect((await server.call('/api/auth/me', { cookie: c.cookie })).status).toBe(401);

    const c2 = await server.signIn('carol@example.com', 'carol password');
    const tok = await server.call('/api/tokens', {
      method: 'POST',
      cookie: c2.cookie,
      csrf: c2.csrf,
      body: { name: 't' },
    });
    const removed = await write('DELETE', `/api/users/${carol.json.id}`);
    expect(removed).toMatchObject({ status: 200, json: { email: 'carol@example.com' } });
    expect((await server.call('/api/auth/me', { cookie: c2.cookie })).status).toBe(401);
    expect((await server.call('/api/auth/me', { token: tok.json.token })).status).toBe(401);
    expect((await write('DELETE', `/api/users/${carol.json.id}`)).status).toBe(404);
  });

  it('never lets an admin remove or demote themselves, nor the last admin go', async () => {
    const admin = await server.signIn(ADMIN.email, ADMIN.password);
    const write = (method: string, path: string, body?: unknown) =>
      server.call(path, { method, cookie: admin.cookie, csrf: admin.csrf, body });
    const demoteSelf = await write('PATCH', `/api/users/${adminId}`, { role: 'member' });
    expect(demoteSelf.status).toBe(403);
    expect(demoteSelf.json.error.message).toMatch(/demote yourself/);
    const removeSelf = await write('DELETE', `/api/users/${adminId}`);
    expect(removeSelf.status).toBe(403);

    // With a second admin, that one may demote Ada; then the second is the last admin and stays.
    const dee = await write('POST', '/api/users', {
      email: 'dee@example.com',
      password: 'dee password!',
      role: 'admin',
    });
    const d = await server.signIn('dee@example.com', 'dee password!');
    const demoteAda = await server.call(`/api/users/${adminId}`, {
      method: 'PATCH',
      cookie: d.cookie,
      csrf: d.csrf,
      body: { role: 'member' },
    });
    expect(demoteAda.json.role).toBe('member');
    const { setUserRole, removeUser } = await import('../app/users.js');
    const local = { actor: LOCAL_ADMIN, deps };
    await expect(setUserRole(local, { user: dee.json.id, role: 'member' })).rejects.toThrow(/last admin/);
    await expect(removeUser(local, { user: 'dee@example.com' })).rejects.toThrow(/last admin/);
    await setUserRole(local, { user: adminId, role: 'admin' });
    await removeUser(local, { user: 'dee@example.com' });
  });

  it('changes one’s own password with the current one, ending the other sessions', async () => {
    await createUser({ actor: LOCAL_ADMIN, deps }, { email: 'pat@example.com', password: 'first password' });
    const a = await server.signIn('pat@example.com', 'first password');
    const b = await server.signIn('pat@example.com', 'first password');
    const wrong = await server.call('/api/auth/password', {
      method: 'POST',
      cookie: a.cookie,
      csrf: a.csrf,
      body: { currentPassword: 'nope nope nope', password: 'second password' },
    });
    expect(wrong.status).toBe(403);
    const ok = await server.call('/api/auth/password', {
      method: 'POST',
      cookie: a.cookie,
      csrf: a.csrf,
      body: { currentPassword: 'first password', password: 'second password' },
    });
    expect(ok.status).toBe(200);
    expect((await server.call('/api/auth/me', { cookie: a.cookie })).status).toBe(200);
    expect((await server.call('/api/auth/me', { cookie: b.cookie })).status).toBe(401);
    await server.signIn('pat@example.com', 'second password');
  });

  it('sets Secure behind a trusted TLS proxy only', async () => {
    const untrusting = await server.call('/api/auth/login', {
      method: 'POST',
      headers: { 'x-forwarded-proto': 'https' },
      body: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(cookieAttributes(untrusting.setCookie)).not.toContain('secure');
    const proxied = await startServer(deps, { trustProxy: true });
    try {
      const res = await proxied.call('/api/auth/login', {
        method: 'POST',
        headers: { 'x-forwarded-proto': 'https' },
        body: { email: ADMIN.email, password: ADMIN.password },
      });
      expect(res.status).toBe(200);
      expect(cookieAttributes(res.setCookie)).toContain('secure');
    } finally {
      await proxied.app.close();
    }
  });

  it('answers 401 on every route of the API without a session or token, and 403 csrf on every cookie write without the header', async () => {
    const doc = await server.call('/api/openapi.json');
    const operations: { method: string; path: string; isPublic: boolean }[] = [];
    for (const [path, item] of Object.entries(
      doc.json.paths as Record<string, Record<string, { security?: unknown[] }>>,
    )) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        operations.push({
          method: method.toUpperCase(),
          path: path.replace(/\{[^}]+\}/g, '1'),
          isPublic: Array.isArray(op.security) && op.security.length === 0,
        });
      }
    }
    expect(operations.length).toBeGreaterThanOrEqual(15);
    const m = await server.signIn(MEMBER.email, MEMBER.password);
    for (const op of operations) {
      const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
      const anonymous = await server.call(op.path, { method: op.method, body });
      if (op.isPublic) {
        expect(anonymous.status, `${op.method} ${op.path}`).not.toBe(401);
        continue;
      }
      expect(anonymous.status, `${op.method} ${op.path}`).toBe(401);
      expect(anonymous.json.error.code).toBe('unauthorized');
      if (op.method === 'GET') continue;
      const noCsrf = await server.call(op.path, { method: op.method, body, cookie: m.cookie });
      expect(noCsrf.status, `${op.method} ${op.path}`).toBe(403);
      expect(noCsrf.json.error.code).toBe('csrf');
    }
  });

  it('describes every auth route in the OpenAPI document', async () => {
    const doc = await server.call('/api/openapi.json');
    const paths = Object.keys(doc.json.paths);
    for (const p of [
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/me',
      '/api/auth/setup',
      '/api/auth/sessions',
      '/api/auth/sessions/{id}',
      '/api/tokens',
      '/api/tokens/{id}',
      '/api/users',
      '/api/users/{id}',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(doc.json.paths['/api/auth/login'].post.tags).toEqual(['auth']);
  });
});

describe('first-run setup over HTTP', () => {
  let t: TestStore;
  let server: Server;
  let deps: AppDeps;

  beforeAll(async () => {
    t = await openTestStore('pglite');
    deps = {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir }),
      logger: createLogger('silent'),
    };
    server = await startServer(deps);
  });

  afterAll(async () => {
    await server?.app.close();
    await t?.cleanup();
  });

  it('serves the web UI for the page the setup link opens, without sign-in and without a referrer', async () => {
    const res = await fetch(`${server.url}/setup`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<div id="root"></div>');
    // An unknown API path is still the API's JSON 404, not the page.
    const api = await fetch(`${server.url}/api/nothing-here`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('spends a one-time link on the first admin, signs them in, and is dead after', async () => {
    expect((await server.call('/api/auth/setup')).json).toEqual({ needed: true });
    const token = await setupLinkIfNoUsers(deps);
    expect(token).toBeTruthy();
    const body = { token: token!, email: 'First@Example.com', password: 'first admin password' };

    const forged = await server.call('/api/auth/setup', {
      method: 'POST',
      body: { ...body, token: 'forged' },
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error.message).toMatch(/unknown, used or expired/);

    const done = await server.call('/api/auth/setup', { method: 'POST', body });
    expect(done.status).toBe(201);
    expect(done.json.user).toMatchObject({ email: 'first@example.com', role: 'admin' });
    const cookie = sessionCookieOf(done.setCookie)!;
    expect((await server.call('/api/auth/me', { cookie })).json.user.email).toBe('first@example.com');

    const again = await server.call('/api/auth/setup', {
      method: 'POST',
      body: { ...body, email: 'second@example.com' },
    });
    expect(again.status).toBe(409);
    expect((await server.call('/api/auth/setup')).json).toEqual({ needed: false });
    expect(await setupLinkIfNoUsers(deps)).toBeNull();
  });
});

describe('a setup link made before anyone had an account', () => {
  it('stops working once a user exists', async () => {
    const t = await openTestStore('pglite');
    const deps: AppDeps = {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir }),
      logger: createLogger('silent'),
    };
    const server = await startServer(deps);
    try {
      const token = await setupLinkIfNoUsers(deps);
      await createUser(
        { actor: LOCAL_ADMIN, deps },
        { email: 'ops@example.com', password: 'ops password', role: 'admin' },
      );
      const res = await server.call('/api/auth/setup', {
        method: 'POST',
        body: { token, email: 'late@example.com', password: 'late password' },
      });
      expect(res.status).toBe(409);
      expect((await t.store.db.select().from(appUsers)).map((u) => u.email)).toEqual(['ops@example.com']);
    } finally {
      await server.app.close();
      await t.cleanup();
    }
  });
});
