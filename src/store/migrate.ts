import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';

/** Runs SQL inside the migration transaction; the two backends adapt their clients to it. */
export interface MigrationExecutor {
  exec(sql: string): Promise<void>;
  rows<T>(sql: string): Promise<T[]>;
}

/** Where the generated migrations live, from the sources (`src/store`) and from `dist/store` alike. */
export function defaultMigrationsFolder(): string {
  for (const rel of ['../../drizzle', '../../../drizzle']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/meta/_journal.json`)) return dir;
  }
  throw new Error('migrations folder drizzle/ not found next to the package');
}

/**
 * Applies the pending drizzle-kit migrations to `schema`, in the caller's transaction. The journal
 * table is drizzle's own (`__drizzle_migrations`, applied when `folderMillis` is newer than the last
 * applied one), kept inside the target schema so that several schemas in one database migrate
 * independently. drizzle-kit qualifies foreign-key targets with "public"; they are re-pointed at the
 * target schema. Returns the tags applied.
 */
export async function applyMigrations(
  exec: MigrationExecutor,
  schema: string,
  folder = defaultMigrationsFolder(),
): Promise<number> {
  const q = quoteIdent(schema);
  await exec.exec(`CREATE SCHEMA IF NOT EXISTS ${q}`);
  await exec.exec(
    `CREATE TABLE IF NOT EXISTS ${q}."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
  );
  const last = await exec.rows<{ created_at: string | number | null }>(
    `SELECT created_at FROM ${q}."__drizzle_migrations" ORDER BY created_at DESC LIMIT 1`,
  );
  const lastMillis = Number(last[0]?.created_at ?? 0);
  let applied = 0;
  for (const m of readMigrationFiles({ migrationsFolder: folder })) {
    if (m.folderMillis <= lastMillis) continue;
    for (const statement of m.sql) {
      const text = schema === 'public' ? statement : statement.replaceAll('"public".', `${q}.`);
      if (text.trim() !== '') await exec.exec(text);
    }
    await exec.exec(
      `INSERT INTO ${q}."__drizzle_migrations" (hash, created_at) VALUES ('${m.hash}', ${m.folderMillis})`,
    );
    applied++;
  }
  return applied;
}

/** Quotes a schema name that {@link assertSchemaName} accepted. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Schema names are kept to plain identifiers: they end up in search_path and connection options. */
export function assertSchemaName(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid schema name ${JSON.stringify(name)}: use lowercase letters, digits and _`);
  }
}
