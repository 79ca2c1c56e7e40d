/**
 * The team: accounts with a role, passwords, sign-in sessions, personal API tokens and the one-time
 * setup link that creates the first admin. Every rule about who may do what to whom lives here; the
 * server's auth hook, its routes and the `users` command only call these functions.
 *
 * Secrets are never stored or returned after they are made: passwords as scrypt hashes, session
 * tokens, API tokens and setup tokens as SHA-256 hashes of 32 random bytes.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { appApiTokens, appSessions, appSetupLinks, appUsers, type Db } from '../store/index.js';
import { type Actor, type AppContext, type AppDeps, AppError, mustBeAdmin, parseInput } from './context.js';

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted (scrypt reads all of it; a megabyte password is an attack, not a password). */
export const MAX_PASSWORD_LENGTH = 1024;
/** A session lives this long after it was last used (sliding). */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** How often a session's or token's last use is written back, so reads do not each cost a write. */
export const LAST_SEEN_EVERY_MS = 5 * 60 * 1000;
/** How long a first-run setup link works. */
export const SETUP_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** Every API token starts with this, so secret scanners and people recognise one. */
export const API_TOKEN_PREFIX = 'as_';
/** Characters of an API token kept in clear to tell tokens apart in a list. */
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;

// ---------------------------------------------------------------------------------------------
// Input pieces
// ---------------------------------------------------------------------------------------------

export const roleSchema = z.enum(['admin', 'member']);

/** An email as we keep it: trimmed and lower-cased, then checked. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address like ada@example.com'));

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

/** A user named by id (the API) or by email (the CLI). */
export const userRefSchema = z.union([z.number().int().positive(), emailSchema]);
export type UserRef = z.input<typeof userRefSchema>;

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200);

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/** A member of the team as anyone may see them (never a password). `admin` is the UI's Admin badge. */
export const userView = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string().nullable(),
  role: roleSchema,
  admin: z.boolean(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
});
export type UserView = z.infer<typeof userView>;

/** An API token as listed: its name and first characters, never the token. */
export const apiTokenView = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type ApiTokenView = z.infer<typeof apiTokenView>;

/** A token just made: the only answer that ever holds the token itself. */
export const createdApiToken = apiTokenView.extend({
  email: z.string(),
  token: z.string(),
});
export type CreatedApiToken = z.infer<typeof createdApiToken>;

/** A signed-in browser. */
export const sessionView = z.object({
  id: z.number().int(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof sessionView>;

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, keylen: number) {
  return new Promise<Buffer>((resolve, reject) => {
    // 128·N·r bytes are needed; allow twice that so stronger stored parameters still verify.
    scrypt(password, salt, keylen, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * A password as stored: `scrypt$N$r$p$salt$hash` (base64url), a fresh random salt each time. The
 * parameters travel with the hash, so they can be raised later without breaking older accounts.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** True when `password` is the one `stored` was made from; compared in constant time. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, 'base64url'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/** Computes the hash unknown emails are checked against, so even the first such sign-in costs no more. */
export async function prepareSignIn(): Promise<void> {
  await hashForUnknownEmail();
}

/** A hash no password matches, checked for unknown emails so they cost what a wrong password costs. */
function hashForUnknownEmail(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64url'));
  return dummyHash;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How a token is stored and looked up: SHA-256, hex. The token has 256 random bits, so no salt is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token of a session: an HMAC keyed by the session token itself. The server recomputes it
 * from the cookie on every write, so nothing more is stored or shared between processes, and a page
 * on another site, which cannot read the HttpOnly cookie, cannot compute it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('affinity-sync csrf v1').digest('base64url');
}

/** True when `presented` is the session's CSRF token; compared in constant time. */
export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type UserRow = typeof appUsers.$inferSelect;

/** A timestamp from either backend as ISO 8601. */
function iso(value: string): string;
function iso(value: string | null): string | null;
function iso(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function asRole(role: string): 'admin' | 'member' {
  return role === 'admin' ? 'admin' : 'member';
}

function viewOf(row: UserRow): UserView {
  const role = asRole(row.role);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role,
    admin: role === 'admin',
    hasPassword: row.passwordHash !== null,
    createdAt: iso(row.createdAt),
    createdBy: row.createdBy,
    lastLoginAt: iso(row.lastLoginAt),
  };
}

function tokenViewOf(row: typeof appApiTokens.$inferSelect): ApiTokenView {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    prefix: row.prefix,
    createdAt: iso(row.createdAt),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
  };
}

/** The actor a user acts as. */
export function actorOf(user: Pick<UserRow, 'id' | 'email' | 'role'>): Actor {
  return { id: user.email, role: asRole(user.role), userId: user.id };
}

async function findUser(db: Db, ref: z.output<typeof userRefSchema>): Promise<UserRow | undefined> {
  const where = typeof ref === 'number' ? eq(appUsers.id, ref) : eq(appUsers.email, ref);
  const [row] = await db.select().from(appUsers).where(where);
  return row;
}

async function mustFindUser(db: Db, ref: z.output<typeof userRefSchema>): Promise<UserRow> {
  const row = await findUser(db, ref);
  if (!row) {
    throw new AppError(
      'not_found',
      typeof ref === 'number' ? `no user with id ${ref}` : `no user with email ${ref}`,
    );
  }
  return row;
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

function emailTaken(email: string): AppError {
  return new AppError('conflict', `a user with email ${email} already exists`);
}

/** The user the actor is, or `bad_request` naming what to pass instead (the local admin is nobody). */
function selfOf(ctx: AppContext, what: string): number {
  if (ctx.actor.userId === undefined) {
    throw new AppError('bad_request', `${ctx.actor.id} is not a user: name the user whose ${what} this is`);
  }
  return ctx.actor.userId;
}

/** Takes the table lock that makes "is there any user yet?" and the first insert one step. */
async function lockUsers(tx: Db): Promise<void> {
  await tx.execute(sql`LOCK TABLE ${appUsers} IN SHARE ROW EXCLUSIVE MODE`);
}

/** The admins, locked until the transaction ends, so two demotions cannot both leave none. */
async function lockedAdmins(tx: Db): Promise<number[]> {
  const rows = await tx
    .select({ id: appUsers.id })
    .from(appUsers)
    .where(eq(appUsers.role, 'admin'))
    .for('update');
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

export const createUserInput = z.object({
  email: emailSchema,
  password: passwordSchema.optional(),
  role: roleSchema.default('member'),
  name: nameSchema.optional(),
});

/**
 * Adds a member of the team. Admins only. Without a password the account exists (and can be given
 * API tokens) but cannot sign in until one is set.
 */
export async function createUser(ctx: AppContext, input: z.input<typeof createUserInput>): Promise<UserView> {
  const { email, password, role, name } = parseInput(createUserInput, input);
  mustBeAdmin(ctx, 'add people to the team');
  const passwordHash = password === undefined ? null : await hashPassword(password);
  const db = ctx.deps.store.db;
  if (await findUser(db, email)) throw emailTaken(email);
  try {
    const [row] = await db
      .insert(appUsers)
      .values({ email, name: name ?? null, passwordHash, role, createdBy: ctx.actor.id })
      .returning();
    ctx.deps.logger.info({ user: email, role, by: ctx.actor.id }, 'user added');
    return viewOf(row!);
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken(email);
    throw err;
  }
}

export const bootstrapAdminInput = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema.optional(),
});

/**
 * Creates the first admin, allowed only while nobody has an account (first run); `conflict` after.
 * Checking and inserting happen under one table lock, so two racing first runs make one admin.
 */
export async function bootstrapAdmin(
  deps: AppDeps,
  input: z.input<typeof bootstrapAdminInput>,
  createdBy = 'first-run setup',
): Promise<UserView> {
  const { email, password, name } = parseInput(bootstrapAdminInput, input);
  const passwordHash = await hashPassword(password);
  const row = await deps.store.db.transaction(async (tx) => {
    await lockUsers(tx);
    await assertNoUsers(tx);
    const [created] = await tx
      .insert(appUsers)
      .values({ email, name: name ?? null, passwordHash, role: 'admin', createdBy })
      .returning();
    return created!;
  });
  deps.logger.info({ user: email }, 'first admin created');
  return viewOf(row);
}

async function assertNoUsers(db: Db): Promise<void> {
  const [any] = await db.select({ id: appUsers.id }).from(appUsers).limit(1);
  if (any) {
    throw new AppError(
      'conflict',
      'the team already has users: ask an admin to add you (`affinity-sync users add EMAIL`)',
    );
  }
}

/** True while nobody has an account yet (first run). */
export async function hasNoUsers(deps: AppDeps): Promise<boolean> {
  const [any] = await deps.store.db.select({ id: appUsers.id }).from(appUsers).limit(1);
  return any === undefined;
}

/** Everyone on the team, admins first then by email; `admin` marks admins. Anyone signed in may read it. */
export async function listUsers(ctx: AppContext): Promise<UserView[]> {
  const rows = await ctx.deps.store.db
    .select()
    .from(appUsers)
    .orderBy(asc(appUsers.role), asc(appUsers.email));
  return rows.map(viewOf);
}

/** The signed-in user. */
export async function currentUser(ctx: AppContext): Promise<UserView> {
  const row = await mustFindUser(ctx.deps.store.db, selfOf(ctx, 'account'));
  return viewOf(row);
}

export const setUserRoleInput = z.object({ user: userRefSchema, role: roleSchema });

/**
 * Makes a user an admin or a member. Admins only; the last admin cannot be demoted, and an admin
 * cannot demote themselves (another admin must). A demoted user's sessions end, so their browser
 * signs in again under the new role.
 */
export async function setUserRole(
  ctx: AppContext,
  input: z.input<typeof setUserRoleInput>,
): Promise<UserView> {
  const { user, role } = parseInput(setUserRoleInput, input);
  mustBeAdmin(ctx, "change people's roles");
  const row = await ctx.deps.store.db.transaction(async (tx) => {
    const admins = await lockedAdmins(tx);
    const target = await mustFindUser(tx, user);
    if (target.role === role) return target;
    if (role === 'member') {
      if (target.id === ctx.actor.userId) {
        throw new AppError('forbidden', 'you cannot demote yourself: ask another admin to do it');
      }
      if (admins.length <= 1 && admins.includes(target.id)) {
        throw new AppError('conflict', `${target.email} is the last admin: make someone else an admin first`);
      }
      await tx
        .update(appSessions)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(appSessions.userId, target.id), isNull(appSessions.revokedAt)));
    }
    const [updated] = await tx.update(appUsers).set({ role }).where(eq(appUsers.id, target.id)).returning();
    return updated!;
  });
  ctx.deps.logger.info({ user: row.email, role, by: ctx.actor.id }, 'user role changed');
  return viewOf(row);
}

export const removeUserInput = z.object({ user: userRefSchema });

/**
 * Removes a user with their sessions and API tokens. Admins only; never the last admin, and never
 * oneself (another admin must).
 */
export async function removeUser(ctx: AppContext, input: z.input<typeof removeUserInput>): Promise<UserView> {
  const { user } = parseInput(removeUserInput, input);
  mustBeAdmin(ctx, 'remove people from the team');
  const row = await ctx.deps.store.db.transaction(async (tx) => {
    const admins = await lockedAdmins(tx);
    const target = await mustFindUser(tx, user);
    if (target.id === ctx.actor.userId) {
      throw new AppError('forbidden', 'you cannot remove yourself: ask another admin to do it');
    }
    if (admins.length <= 1 && admins.includes(target.id)) {
      throw new AppError('conflict', `${target.email} is the last admin: make someone else an admin first`);
    }
    // Sessions and tokens go with the user (ON DELETE CASCADE).
    await tx.delete(appUsers).where(eq(appUsers.id, target.id));
    return target;
  });
  ctx.deps.logger.info({ user: row.email, by: ctx.actor.id }, 'user removed');
  return viewOf(row);
}

export const setPasswordInput = z.object({
  user: userRefSchema.optional(),
  password: passwordSchema,
  /** Required when users change their own password (not when an admin sets someone else's). */
  currentPassword: z.string().max(MAX_PASSWORD_LENGTH).optional(),
});

/**
 * Sets a password: one's own (with the current one, if there is one) or, for an admin, anyone's.
 * Every session of that user ends except `keepSessionId` (the browser that changed it).
 */
export async function setPassword(
  ctx: AppContext,
  input: z.input<typeof setPasswordInput>,
  keepSessionId?: number,
): Promise<UserView> {
  const { user, password, currentPassword } = parseInput(setPasswordInput, input);
  const db = ctx.deps.store.db;
  const target = await mustFindUser(db, user ?? selfOf(ctx, 'password'));
  const self = target.id === ctx.actor.userId;
  if (!self) mustBeAdmin(ctx, "set other people's passwords");
  if (self && target.passwordHash !== null) {
    if (currentPassword === undefined || !(await verifyPassword(target.passwordHash, currentPassword))) {
      throw new AppError(
        'forbidden',
        currentPassword === undefined
          ? 'changing your own password needs your current password (POST /api/auth/password)'
          : 'the current password is wrong',
        { field: 'currentPassword' },
      );
    }
  }
  const passwordHash = await hashPassword(password);
  const [row] = await db.transaction(async (tx) => {
    await tx
      .update(appSessions)
      .set({ revokedAt: sql`now()` })
      .where(
        and(
          eq(appSessions.userId, target.id),
          isNull(appSessions.revokedAt),
          keepSessionId === undefined ? undefined : sql`${appSessions.id} <> ${keepSessionId}`,
        ),
      );
    return tx.update(appUsers).set({ passwordHash }).where(eq(appUsers.id, target.id)).returning();
  });
  ctx.deps.logger.info({ user: target.email, by: ctx.actor.id }, 'password set');
  return viewOf(row!);
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

export const loginInput = z.object({
  email: emailSchema,
  password: z.string().min(1, 'must not be empty').max(MAX_PASSWORD_LENGTH),
});

export interface SessionMeta {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

export interface StartedSession {
  user: UserView;
  /** The cookie's value; shown nowhere else. */
  token: string;
  sessionId: number;
  expiresAt: string;
  /** What the browser sends as `x-csrf-token` on writes. */
  csrfToken: string;
}

/**
 * Signs in with email and password. A wrong password, an unknown email and an account without a
 * password all answer the same `unauthorized` after the same work, so nobody learns who has an account.
 */
export async function login(
  deps: AppDeps,
  input: z.input<typeof loginInput>,
  meta: SessionMeta = {},
): Promise<StartedSession> {
  const { email, password } = parseInput(loginInput, input);
  const user = await findUser(deps.store.db, email);
  const ok = await verifyPassword(user?.passwordHash ?? (await hashForUnknownEmail()), password);
  if (!user || user.passwordHash === null || !ok) {
    deps.logger.info({ user: email, ip: meta.ip }, 'sign-in refused');
    throw new AppError('unauthorized', 'wrong email or password');
  }
  return startSession(deps, user, meta);
}

/** Opens a session for `user` (after a password check or first-run setup). */
export async function startSession(
  deps: AppDeps,
  user: Pick<UserRow, 'id'>,
  meta: SessionMeta = {},
): Promise<StartedSession> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS).toISOString();
  const db = deps.store.db;
  // Each sign-in sweeps this user's sessions dead for a day, so the table never grows without bound.
  const dayAgo = sql`now() - interval '1 day'`;
  await db
    .delete(appSessions)
    .where(
      and(
        eq(appSessions.userId, user.id),
        or(lt(appSessions.expiresAt, dayAgo), lt(appSessions.revokedAt, dayAgo)),
      ),
    );
  const [session] = await db
    .insert(appSessions)
    .values({
      userId: user.id,
      tokenHash: hashToken(token),
      expiresAt,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
      ip: meta.ip ?? null,
    })
    .returning({ id: appSessions.id });
  const [row] = await db
    .update(appUsers)
    .set({ lastLoginAt: sql`now()` })
    .where(eq(appUsers.id, user.id))
    .returning();
  deps.logger.info({ user: row!.email, session: session!.id }, 'signed in');
  return { user: viewOf(row!), token, sessionId: session!.id, expiresAt, csrfToken: csrfTokenFor(token) };
}

export interface SessionActor {
  actor: Actor;
  sessionId: number;
  expiresAt: string;
  /** True when this use moved the expiry forward (the cookie's lifetime should follow). */
  extended: boolean;
}

/**
 * Who a session cookie belongs to, or null when it is unknown, expired or revoked. Use extends the
 * session (sliding expiry), written back at most every {@link LAST_SEEN_EVERY_MS}.
 */
export async function actorForSession(deps: AppDeps, token: string): Promise<SessionActor | null> {
  if (!token) return null;
  // Every signed-in request asks this: planned once per session, not once per request.
  const [row] = await deps.store.queryPlanned<{
    session_id: number;
    last_seen_at: string;
    expires_at: string;
    user_id: number;
    email: string;
    role: string;
  }>(sql`
    SELECT s.id AS session_id, s.last_seen_at::text AS last_seen_at, s.expires_at::text AS expires_at,
      u.id AS user_id, u.email, u.role
    FROM app_sessions s JOIN app_users u ON u.id = s.user_id
    WHERE s.token_hash = ${hashToken(token)} AND s.revoked_at IS NULL AND s.expires_at > now()`);
  if (!row) return null;
  let expiresAt = iso(row.expires_at);
  let extended = false;
  if (Date.now() - Date.parse(iso(row.last_seen_at)) > LAST_SEEN_EVERY_MS) {
    expiresAt = new Date(Date.now() + SESSION_TTL_MS).toISOString();
    await deps.store.db
      .update(appSessions)
      .set({ lastSeenAt: sql`now()`, expiresAt })
      .where(eq(appSessions.id, row.session_id));
    extended = true;
  }
  return {
    actor: actorOf({ id: row.user_id, email: row.email, role: row.role }),
    sessionId: row.session_id,
    expiresAt,
    extended,
  };
}

/** Ends the session a cookie holds (sign out); nothing happens for an unknown token. */
export async function logout(deps: AppDeps, token: string): Promise<void> {
  await deps.store.db
    .update(appSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(appSessions.tokenHash, hashToken(token)), isNull(appSessions.revokedAt)));
}

/** The signed-in user's live sessions, newest use first; `currentSessionId` is marked `current`. */
export async function listSessions(ctx: AppContext, currentSessionId?: number): Promise<SessionView[]> {
  const userId = selfOf(ctx, 'sessions');
  const rows = await ctx.deps.store.db
    .select()
    .from(appSessions)
    .where(
      and(
        eq(appSessions.userId, userId),
        isNull(appSessions.revokedAt),
        gt(appSessions.expiresAt, sql`now()`),
      ),
    )
    .orderBy(desc(appSessions.lastSeenAt), desc(appSessions.id));
  return rows.map((r) => ({
    id: r.id,
    createdAt: iso(r.createdAt),
    lastSeenAt: iso(r.lastSeenAt),
    expiresAt: iso(r.expiresAt),
    userAgent: r.userAgent,
    ip: r.ip,
    current: r.id === currentSessionId,
  }));
}

/**
 * Who may end a session or revoke a token: its owner, or an admin; and only while it is live.
 * Anything else is `not_found`, so a member learns nothing of another's.
 */
function mustBeRevocable<T extends { userId: number; revokedAt: string | null }>(
  ctx: AppContext,
  row: T | undefined,
  what: string,
): asserts row is T {
  if (!row || row.revokedAt !== null || (row.userId !== ctx.actor.userId && ctx.actor.role !== 'admin')) {
    throw new AppError('not_found', `no live ${what}`);
  }
}

export const revokeSessionInput = z.object({ id: z.number().int().positive() });

/** Ends one session: one's own, or anyone's for an admin. `not_found` for another member's. */
export async function revokeSession(
  ctx: AppContext,
  input: z.input<typeof revokeSessionInput>,
): Promise<void> {
  const { id } = parseInput(revokeSessionInput, input);
  const db = ctx.deps.store.db;
  const [row] = await db.select().from(appSessions).where(eq(appSessions.id, id));
  mustBeRevocable(ctx, row, `session ${id}`);
  await db.update(appSessions).set({ revokedAt: sql`now()` }).where(eq(appSessions.id, id));
}

export const endSessionsInput = z.object({
  /** Whose sessions: oneself by default; an admin may name anyone. */
  user: userRefSchema.optional(),
  /** A session to keep (the browser asking to sign out everywhere else). */
  exceptSessionId: z.number().int().positive().optional(),
});

/** Ends every live session of a user (signs them out everywhere); answers how many ended. */
export async function endSessions(ctx: AppContext, input: z.input<typeof endSessionsInput>): Promise<number> {
  const { user, exceptSessionId } = parseInput(endSessionsInput, input);
  const db = ctx.deps.store.db;
  const target = await mustFindUser(db, user ?? selfOf(ctx, 'sessions'));
  if (target.id !== ctx.actor.userId) mustBeAdmin(ctx, 'sign other people out');
  const ended = await db
    .update(appSessions)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(appSessions.userId, target.id),
        isNull(appSessions.revokedAt),
        gt(appSessions.expiresAt, sql`now()`),
        exceptSessionId === undefined ? undefined : sql`${appSessions.id} <> ${exceptSessionId}`,
      ),
    )
    .returning({ id: appSessions.id });
  ctx.deps.logger.info({ user: target.email, sessions: ended.length, by: ctx.actor.id }, 'sessions ended');
  return ended.length;
}

/** Deletes sessions dead for a day or more (expired or revoked), so the table stays small. */
export async function pruneSessions(deps: AppDeps): Promise<number> {
  const cutoff = sql`now() - interval '1 day'`;
  const gone = await deps.store.db
    .delete(appSessions)
    .where(or(lt(appSessions.expiresAt, cutoff), lt(appSessions.revokedAt, cutoff)))
    .returning({ id: appSessions.id });
  return gone.length;
}

// ---------------------------------------------------------------------------------------------
// API tokens
// ---------------------------------------------------------------------------------------------

export const createApiTokenInput = z.object({
  name: nameSchema,
  /** Whose token: oneself by default; an admin may make one for anyone. */
  user: userRefSchema.optional(),
  /** Days until it stops working; never, if absent. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/**
 * A personal API token for scripts and the CLI against a server, sent as `Authorization: Bearer`.
 * The token is in this answer only; the store keeps its SHA-256 hash and its first characters.
 */
export async function createApiToken(
  ctx: AppContext,
  input: z.input<typeof createApiTokenInput>,
): Promise<CreatedApiToken> {
  const { name, user, expiresInDays } = parseInput(createApiTokenInput, input);
  const db = ctx.deps.store.db;
  const owner = await mustFindUser(db, user ?? selfOf(ctx, 'token'));
  if (owner.id !== ctx.actor.userId) mustBeAdmin(ctx, 'make API tokens for other people');
  const token = `${API_TOKEN_PREFIX}${newToken()}`;
  const expiresAt =
    expiresInDays === undefined ? null : new Date(Date.now() + expiresInDays * 86_400_000).toISOString();
  const [row] = await db
    .insert(appApiTokens)
    .values({
      userId: owner.id,
      name,
      prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
      tokenHash: hashToken(token),
      expiresAt,
    })
    .returning();
  ctx.deps.logger.info({ user: owner.email, tokenId: row!.id, by: ctx.actor.id }, 'API token created');
  return { ...tokenViewOf(row!), email: owner.email, token };
}

export const listApiTokensInput = z.object({ user: userRefSchema.optional() });

/** A user's live API tokens (never the tokens): one's own, or anyone's for an admin. */
export async function listApiTokens(
  ctx: AppContext,
  input: z.input<typeof listApiTokensInput> = {},
): Promise<ApiTokenView[]> {
  const { user } = parseInput(listApiTokensInput, input);
  const db = ctx.deps.store.db;
  const owner = await mustFindUser(db, user ?? selfOf(ctx, 'tokens'));
  if (owner.id !== ctx.actor.userId) mustBeAdmin(ctx, "see other people's API tokens");
  const rows = await db
    .select()
    .from(appApiTokens)
    .where(and(eq(appApiTokens.userId, owner.id), isNull(appApiTokens.revokedAt)))
    .orderBy(asc(appApiTokens.id));
  return rows.map(tokenViewOf);
}

export const revokeApiTokenInput = z.object({ id: z.number().int().positive() });

/** Revokes a token at once: one's own, or anyone's for an admin. `not_found` for another member's. */
export async function revokeApiToken(
  ctx: AppContext,
  input: z.input<typeof revokeApiTokenInput>,
): Promise<ApiTokenView> {
  const { id } = parseInput(revokeApiTokenInput, input);
  const db = ctx.deps.store.db;
  const [row] = await db.select().from(appApiTokens).where(eq(appApiTokens.id, id));
  mustBeRevocable(ctx, row, `API token ${id}`);
  await db.update(appApiTokens).set({ revokedAt: sql`now()` }).where(eq(appApiTokens.id, id));
  ctx.deps.logger.info({ tokenId: id, by: ctx.actor.id }, 'API token revoked');
  return tokenViewOf(row);
}

/**
 * Who an API token belongs to, or null when it is unknown, revoked or expired. The role is read
 * from the user at each request, so a role change applies to tokens at once.
 */
export async function actorForToken(deps: AppDeps, token: string): Promise<Actor | null> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return null;
  // Every request with a token asks this: planned once per token, not once per request.
  const [row] = await deps.store.queryPlanned<{
    token_id: number;
    last_used_at: string | null;
    user_id: number;
    email: string;
    role: string;
  }>(sql`
    SELECT t.id AS token_id, t.last_used_at::text AS last_used_at, u.id AS user_id, u.email, u.role
    FROM app_api_tokens t JOIN app_users u ON u.id = t.user_id
    WHERE t.token_hash = ${hashToken(token)} AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())`);
  if (!row) return null;
  const last = row.last_used_at;
  if (last === null || Date.now() - Date.parse(iso(last)) > LAST_SEEN_EVERY_MS) {
    await deps.store.db
      .update(appApiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(eq(appApiTokens.id, row.token_id));
  }
  return actorOf({ id: row.user_id, email: row.email, role: row.role });
}

// ---------------------------------------------------------------------------------------------
// First run
// ---------------------------------------------------------------------------------------------

/**
 * A one-time setup token that creates the first admin, valid for {@link SETUP_LINK_TTL_MS} and only
 * while nobody has an account. `conflict` once someone does.
 */
export async function createSetupLink(deps: AppDeps): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + SETUP_LINK_TTL_MS).toISOString();
  await deps.store.db.transaction(async (tx) => {
    await lockUsers(tx);
    await assertNoUsers(tx);
    await tx.insert(appSetupLinks).values({ tokenHash: hashToken(token), expiresAt });
  });
  return { token, expiresAt };
}

/** For `serve`: a fresh setup token while nobody has an account, else null. */
export async function setupLinkIfNoUsers(deps: AppDeps): Promise<string | null> {
  try {
    return (await createSetupLink(deps)).token;
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') return null;
    throw err;
  }
}

export const completeSetupInput = bootstrapAdminInput.extend({
  token: z.string().min(1, 'must not be empty').max(200),
});

/**
 * Spends a setup token on the first admin. The token must be unused and unexpired and nobody may
 * have an account yet; then the admin is created and the token used, in one transaction.
 */
export async function completeSetup(
  deps: AppDeps,
  input: z.input<typeof completeSetupInput>,
): Promise<UserView> {
  const { token, email, password, name } = parseInput(completeSetupInput, input);
  const passwordHash = await hashPassword(password);
  const row = await deps.store.db.transaction(async (tx) => {
    await lockUsers(tx);
    await assertNoUsers(tx);
    const [link] = await tx
      .update(appSetupLinks)
      .set({ usedAt: sql`now()`, usedBy: email })
      .where(
        and(
          eq(appSetupLinks.tokenHash, hashToken(token)),
          isNull(appSetupLinks.usedAt),
          gt(appSetupLinks.expiresAt, sql`now()`),
        ),
      )
      .returning({ id: appSetupLinks.id });
    if (!link) {
      throw new AppError(
        'forbidden',
        'this setup link is unknown, used or expired: restart `affinity-sync serve` for a new one',
      );
    }
    const [created] = await tx
      .insert(appUsers)
      .values({ email, name: name ?? null, passwordHash, role: 'admin', createdBy: 'setup link' })
      .returning();
    return created!;
  });
  deps.logger.info({ user: email }, 'first admin created with the setup link');
  return viewOf(row);
}
