import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ensureDemoDataset } from '../../src/intelligence/index.js';
import { openStore } from '../../src/store/index.js';
import { pgliteTemplate } from '../../src/store/testing.js';

/** Copies `template` and loads the demo intelligence dataset into the copy (about 9 s of CPU). */
export async function createDemoTemplate(template: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-demo-template-'));
  cpSync(template, dir, { recursive: true });
  const store = await openStore({ dataDir: dir });
  try {
    await ensureDemoDataset(store);
  } finally {
    await store.close();
  }
  return dir;
}

let made: Promise<string> | undefined;

/**
 * A migrated PGlite data directory holding the demo dataset, to copy: the suite's own (made once by
 * `global-setup.ts`), or else one made for this process.
 */
export function pgliteDemoTemplate(): Promise<string> {
  made ??= (async () => {
    try {
      return inject('pgliteDemoTemplate');
    } catch {
      const dir = await createDemoTemplate(await pgliteTemplate());
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    }
  })();
  return made;
}

/** A new temp data directory with the demo dataset, for a `serve` or CLI process under test. */
export async function demoDataDir(prefix = 'affinity-sync-demo-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(await pgliteDemoTemplate(), dir, { recursive: true });
  return dir;
}
