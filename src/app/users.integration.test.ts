import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../logging/index.js';
import { appApiTokens, appSessions, appSetupLinks, appUsers } from '../store/index.js';
import { backends, openTestStore, type TestStore } from '../store/testing.js';
import { type AppContext, type AppDeps, AppError, LOCAL_ADMIN } from './context.js';
import {
  actorForSession,
  actorForToken,
  bootstrapAdmin,
  completeSetup,
  createApiToken,
  createSetupLink,
  createUser,
  csrfTokenFor,
  csrfTokenMatches,
  hashPassword,
  hashToken,
  listApiTokens,
  listUsers,
  login,
  removeUser,
  revokeApiToken,
  setPassword,
  setUserRole,
  verifyPassword,
} from './users.js';

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got a result');
}

describe.each(backends)('users on %s', (backend) => {
  let t: TestStore;
  let deps: AppDeps;
  let local: AppContext;

  beforeEach(async () => {
    t = await openTestStore(backend);
    deps = {
      store: t.store,
      config: loadConfig({ AFFINITY_SYNC_DATA_DIR: t.dataDir }),
      logger: createLogger('silent'),
    };
    local = { actor: LOCAL_ADMIN, deps };
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  it('hashes passwords with a fresh salt and verifies them', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'correct horse batterz')).toBe(false);
    expect(await verifyPassword('garbage', 'x')).toBe(false);
  });

  it('makes exactly one first admin when two first runs race, and none after', async () => {
    const results = await Promise.allSettled([
      bootstrapAdmin(deps, { email: 'one@example.com', password: 'first password' }),
      bootstrapAdmin(deps, { email: 'two@example.com', password: 'second password' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(AppError);
    expect((rejected.reason as AppError).code).toBe('conflict');
    const users = await listUsers(local);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ role: 'admin', admin: true });
    expect((await refusal(createSetupLink(deps))).code).toBe('conflict');
  });

  it('validates and normalises input, naming the field', async () => {
    const short = await refusal(
      createUser(local, { email: 'a@example.com', password: 'short', role: 'member' }),
    );
    expect(short.code).toBe('bad_request');
    expect(short.message).toBe('password: must be at least 10 characters');
    const email = await refusal(createUser(local, { email: 'not an email', role: 'member' }));
    expect(email.message).toMatch(/^email: must be an email address/);
    const role = await refusal(createUser(local, { email: 'a@example.com', role: 'owner' as 'admin' }));
    expect(role.message).toMatch(/^role:/);
    const made = await createUser(local, { email: '  MiXed@Example.COM ', role: 'member' });
    expect(made.email).toBe('mixed@example.com');
    expect((await refusal(createUser(local, { email: 'mixed@EXAMPLE.com', role: 'admin' }))).code).toBe(
      'conflict',
    );
  });

  it('lets only admins manage the team', async () => {
    const member = await createUser(local, {
      email: 'm@example.com',
      password: 'member password',
      role: 'member',
    });
    const asMember: AppContext = { actor: { id: member.email, role: 'member', userId: member.id }, deps };
    for (const attempt of [
      createUser(asMember, { email: 'x@example.com', role: 'member' }),
      setUserRole(asMember, { user: member.id, role: 'admin' }),
      removeUser(asMember, { user: member.id }),
      setPassword(asMember, { user: 'x@example.com', password: 'whatever long' }),
    ]) {
      const err = await refusal(attempt);
      expect(['forbidden', 'not_found']).toContain(err.code);
    }
    const forbidden = await refusal(createUser(asMember, { email: 'x@example.com', role: 'member' }));
    expect(forbidden.code).toBe('forbidden');
    expect(forbidden.message).toMatch(/only an admin may add people to the team/);
    expect((await listUsers(asMember)).map((u) => u.email)).toEqual(['m@example.com']);
  });

  it('never demotes or removes the last admin, even when two admins are demoted at once', async () => {
    const a = await createUser(local, { email: 'a@example.com', password: 'a password!', role: 'admin' });
    const b = await createUser(local, { email: 'b@example.com', password: 'b password!', role: 'admin' });
    const results = await Promise.allSettled([
      setUserRole(local, { user: a.id, role: 'member' }),
      setUserRole(local, { user: b.id, role: 'member' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const admins = (await listUsers(local)).filter((u) => u.admin);
    expect(admins).toHaveLength(1);
    const last = admins[0]!;
    const demote = await refusal(setUserRole(local, { user: last.id, role: 'member' }));
    expect(demote.code).toBe('conflict');
    expect(demote.message).toBe(`${last.email} is the last admin: make someone else an admin first`);
    expect((await refusal(removeUser(local, { user: last.email }))).code).toBe('conflict');
  });

  it('signs in: the same refusal for a wrong password, an unknown email and an account without a password', async () => {
    await createUser(local, { email: 'a@example.com', password: 'a password!', role: 'admin' });
    await createUser(local, { email: 'nopw@example.com', role: 'member' });
    const wrong = await refusal(login(deps, { email: 'a@example.com', password: 'b password!' }));
    const unknown = await refusal(login(deps, { email: 'z@example.com', password: 'b password!' }));
    const nopw = await refusal(login(deps, { email: 'nopw@example.com', password: 'b password!' }));
    for (const e of [wrong, unknown, nopw]) {
      expect(e.code).toBe('unauthorized');
      expect(e.message).toBe('wrong email or password');
    }
    const session = await login(deps, { email: 'A@example.com', password: 'a password!' });
    const found = await actorForSession(deps, session.token);
    expect(found?.actor).toEqual({ id: 'a@example.com', role: 'admin', userId: session.user.id });
    expect(session.csrfToken).toBe(csrfTokenFor(session.token));
    expect(csrfTokenMatches(session.token, session.csrfToken)).toBe(true);
    expect(csrfTokenMatches(session.token, csrfTokenFor('another session'))).toBe(false);
    expect(csrfTokenMatches(session.token, undefined)).toBe(false);
    // Stored: the hash of the token, never the token.
    const rows = await t.store.db.select().from(appSessions);
    expect(rows.map((r) => r.tokenHash)).toEqual([hashToken(session.token)]);
    expect(JSON.stringify(rows)).not.toContain(session.token);
  });

  it('slides a session forward when it has not been used for a while', async () => {
    await createUser(local, { email: 'a@example.com', password: 'a password!', role: 'admin' });
    const session = await login(deps, { email: 'a@example.com', password: 'a password!' });
    expect((await actorForSession(deps, session.token))?.extended).toBe(false);
    await t.store.db
      .update(appSessions)
      .set({ lastSeenAt: sql`now() - interval '1 hour'`, expiresAt: sql`now() + interval '1 hour'` })
      .where(eq(appSessions.id, session.sessionId));
    const used = await actorForSession(deps, session.token);
    expect(used?.extended).toBe(true);
    const [row] = await t.store.db.select().from(appSessions).where(eq(appSessions.id, session.sessionId));
    expect(Date.parse(row!.expiresAt)).toBeGreaterThan(Date.now() + 13 * 24 * 3600_000);
  });

  it('makes API tokens shown once, lists them without the token, and forgets them with their user', async () => {
    const bob = await createUser(local, { email: 'bob@example.com', role: 'member' });
    const made = await createApiToken(local, { user: 'bob@example.com', name: 'ci', expiresInDays: 30 });
    expect(made.token).toMatch(/^as_[\w-]{43}$/);
    expect(made.prefix).toBe(made.token.slice(0, 9));
    expect(await actorForToken(deps, made.token)).toEqual({
      id: 'bob@example.com',
      role: 'member',
      userId: bob.id,
    });
    expect(await actorForToken(deps, `${made.token}x`)).toBeNull();
    expect(await actorForToken(deps, 'not-ours')).toBeNull();
    const listed = await listApiTokens(local, { user: bob.id });
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('token');

    // Local admin has no account: naming whose token is required.
    const nobody = await refusal(createApiToken(local, { name: 'x' }));
    expect(nobody.code).toBe('bad_request');

    // A role change applies to the token at its next use.
    const admin = await createUser(local, { email: 'root@example.com', role: 'admin' });
    await setUserRole(local, { user: bob.id, role: 'admin' });
    expect((await actorForToken(deps, made.token))?.role).toBe('admin');

    // Expired tokens stop working.
    await t.store.db.update(appApiTokens).set({ expiresAt: sql`now() - interval '1 second'` });
    expect(await actorForToken(deps, made.token)).toBeNull();

    const other = await createApiToken(local, { user: bob.id, name: 'other' });
    await revokeApiToken(local, { id: other.id });
    expect(await actorForToken(deps, other.token)).toBeNull();
    expect((await refusal(revokeApiToken(local, { id: other.id }))).code).toBe('not_found');

    const third = await createApiToken(local, { user: bob.id, name: 'third' });
    await removeUser(local, { user: bob.id });
    expect(await actorForToken(deps, third.token)).toBeNull();
    expect(await t.store.db.select().from(appApiTokens).where(eq(appApiTokens.userId, bob.id))).toEqual([]);
    expect(admin.admin).toBe(true);
  });

  it('spends a setup link once, only while nobody has an account, and not after it expires', async () => {
    const expired = await createSetupLink(deps);
    await t.store.db
      .update(appSetupLinks)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(appSetupLinks.tokenHash, hashToken(expired.token)));
    const late = await refusal(
      completeSetup(deps, { token: expired.token, email: 'a@example.com', password: 'a password!' }),
    );
    expect(late.code).toBe('forbidden');

    const link = await createSetupLink(deps);
    const [stored] = await t.store.db
      .select()
      .from(appSetupLinks)
      .where(eq(appSetupLinks.tokenHash, hashToken(link.token)));
    expect(stored).toBeTruthy();
    const admin = await completeSetup(deps, {
      token: link.token,
      email: 'A@example.com',
      password: 'a password!',
    });
    expect(admin).toMatchObject({ email: 'a@example.com', role: 'admin', createdBy: 'setup link' });
    const [used] = await t.store.db.select().from(appSetupLinks).where(eq(appSetupLinks.id, stored!.id));
    expect(used!.usedBy).toBe('a@example.com');
    const again = await refusal(
      completeSetup(deps, { token: link.token, email: 'b@example.com', password: 'b password!' }),
    );
    expect(again.code).toBe('conflict');
    expect((await t.store.db.select().from(appUsers)).length).toBe(1);
  });
});
