import { defineConfig } from 'drizzle-kit';

/**
 * One schema, one migration folder for PGlite and PostgreSQL. After changing `src/store/schema/`,
 * run `npx drizzle-kit generate --name <what-changed>` and commit `drizzle/`; the store applies
 * pending migrations when it opens.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema/index.ts',
  out: './drizzle',
});
