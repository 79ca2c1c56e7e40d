import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { createPgliteTemplate } from '../../src/store/testing.js';
import { createDemoTemplate } from './demo-store.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * One directory per run of the suite, so runs side by side never share one: from
 * `<root>/.test-dist/<pid>/store/migrate.js` the migrations are found at `<root>/drizzle` as from
 * `dist/`, and workers find their `.js` siblings.
 */
const outdir = `${root}.test-dist/${process.pid}`;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The CLI's entry compiled for this run of the suite. */
    cliEntry: string;
    /** A migrated, empty PGlite data directory, copied by tests that need a fresh store. */
    pgliteTemplate: string;
    /** The same with the demo intelligence dataset loaded (what `serve --demo` loads). */
    pgliteDemoTemplate: string;
  }
}

/**
 * Prepares what every test file would otherwise make for itself. Compiles the sources once per run of the suite, file for file (no bundling, so every module keeps
 * its place), for the tests that start the CLI as a child process. Through tsx, each start spends
 * about a second of CPU compiling and resolving ~200 modules; compiled, a third of that.
 * `test/e2e/cli.test.ts` still runs `bin/affinity-sync.mjs` itself.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  rmSync(outdir, { recursive: true, force: true });
  const entryPoints = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/\.test(-support)?\.ts$/.test(f) && !f.startsWith('web/'))
    .map((f) => `${root}src/${f}`);
  await build({
    entryPoints,
    outdir,
    outbase: `${root}src`,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  project.provide('cliEntry', `${outdir}/cli/main.js`);
  // The web UI the servers under test serve (built only when its sources changed).
  // @ts-expect-error: a plain ES module of the repository's scripts, without types.
  const { buildWeb } = (await import('../../scripts/build-web.mjs')) as {
    buildWeb(o: { quiet: boolean }): Promise<boolean>;
  };
  // A UI that does not build fails the browser tests (they find no page), not every other test.
  await buildWeb({ quiet: true }).catch((err: unknown) => {
    console.warn(
      `the web UI did not build; browser tests will fail: ${err instanceof Error ? err.message.slice(0, 2000) : err}`,
    );
  });
  // Migrating a new PGlite costs seconds of CPU: every test file copies this one instead.
  const template = await createPgliteTemplate();
  project.provide('pgliteTemplate', template);
  const demoTemplate = await createDemoTemplate(template);
  project.provide('pgliteDemoTemplate', demoTemplate);
  return () => {
    rmSync(demoTemplate, { recursive: true, force: true });
    rmSync(outdir, { recursive: true, force: true });
    rmSync(template, { recursive: true, force: true });
  };
}
