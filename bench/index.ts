/**
 * `npm run bench`: runs every benchmark module in this folder (or those named on the command line)
 * and prints their figures. Timings live here, never in tests: the machine is shared and noisy.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, '.ts')))
  .sort();

let failed = 0;
for (const file of files) {
  const name = basename(file, '.ts');
  process.stdout.write(`\n== bench: ${name} ==\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== 'function') {
    process.stdout.write(`(skipped: ${file} exports no run())\n`);
    continue;
  }
  try {
    await mod.run();
  } catch (err) {
    failed++;
    process.stdout.write(`FAILED: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
