import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { quoteIdent } from './migrate.js';
import { openStore, type Store } from './open.js';

export type Backend = 'pglite' | 'postgres';

/** The machine's PostgreSQL used by the test suites (trust auth, database `test`). */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  store: Store;
  /** Where PGlite keeps its files (a fresh temp dir; unused on PostgreSQL). */
  dataDir: string;
  /** Closes the store and removes everything the run created (temp dir or schema). */
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty store for one test: PGlite in a new temp directory, or PostgreSQL in a new schema
 * of its own (so parallel runs cannot collide), dropped again by `cleanup`.
 */
export async function openTestStore(
  backend: Backend,
  options: {
    /** A PGlite data directory to start from instead of the empty template. */ template?: string;
  } = {},
): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-test-'));
  if (backend === 'pglite') {
    // initdb dominates a fresh PGlite's start; a migrated template copied per test skips it.
    cpSync(options.template ?? (await pgliteTemplate()), dataDir, { recursive: true });
    const result: TestStore = {
      store: await openStore({ dataDir }),
      dataDir,
      cleanup: async () => {
        await result.store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
    return result;
  }
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const result: TestStore = {
    store: await openStore({ dataDir, databaseUrl: testDatabaseUrl, schema }),
    dataDir,
    cleanup: async () => {
      try {
        await result.store.query(sql.raw(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
      } finally {
        await result.store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return result;
}

let template: Promise<string> | undefined;

/**
 * A migrated, empty PGlite data directory to copy: the suite's own, made once for all test files
 * by `test/support/global-setup.ts`, or else one made for this process.
 */
export function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const shared = suiteTemplate();
    if (shared) return shared;
    const dir = await createPgliteTemplate();
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return template;
}

/** The suite's template inside Vitest; outside it (a script, a benchmark), none. */
function suiteTemplate(): string | undefined {
  try {
    return inject('pgliteTemplate');
  } catch {
    return undefined;
  }
}

/** Creates a migrated, empty PGlite data directory in a new temp directory. */
export async function createPgliteTemplate(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-template-'));
  await (await openStore({ dataDir: dir })).close();
  return dir;
}

/** A new temp data directory holding a migrated, empty embedded store, for a CLI or server test. */
export async function freshDataDir(prefix = 'affinity-sync-test-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  return dir;
}

/** Both backends, for `describe.each` in contract suites. */
export const backends: Backend[] = ['pglite', 'postgres'];
