/**
 * People who use the server (`app_*`): accounts with their role, sign-in sessions, personal API
 * tokens and one-time setup links. Secrets are never stored: passwords as scrypt hashes, session
 * and API tokens and setup links as SHA-256 hashes of random tokens.
 */
import { bigint, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

/** An account. `role` is `admin` or `member`; the email is kept lower-cased. */
export const appUsers = pgTable(
  'app_users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name'),
    /** `scrypt$N$r$p$salt$hash` (base64url); null until the person sets a password. */
    passwordHash: text('password_hash'),
    role: text('role').notNull().default('member'),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by'),
    lastLoginAt: ts('last_login_at'),
  },
  (t) => [uniqueIndex('app_users_email_idx').on(t.email)],
);

/** A signed-in browser: the cookie holds the token, the table its hash. */
export const appSessions = pgTable(
  'app_sessions',
  {
    id: id(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => appUsers.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (t) => [uniqueIndex('app_sessions_token_idx').on(t.tokenHash), index('app_sessions_user_idx').on(t.userId)],
);

/** A personal API token for scripts and the CLI; shown once, then only its prefix. */
export const appApiTokens = pgTable(
  'app_api_tokens',
  {
    id: id(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => appUsers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the token, to tell tokens apart in a list. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    uniqueIndex('app_api_tokens_hash_idx').on(t.tokenHash),
    index('app_api_tokens_user_idx').on(t.userId),
  ],
);

/** A one-time link that creates the first admin, printed by `serve` while no user exists. */
export const appSetupLinks = pgTable(
  'app_setup_links',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    usedBy: text('used_by'),
  },
  (t) => [uniqueIndex('app_setup_links_hash_idx').on(t.tokenHash)],
);
