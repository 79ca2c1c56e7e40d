/**
 * Worker threads on one of our modules, from `dist/` or from the TypeScript sources in a checkout:
 * a worker does not inherit the parent's loader, so a `.ts` entry is loaded through tsx's ESM API.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts a worker on `entry`, a module URL ending in `.js` (built) or `.ts` (sources). */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  // `require` resolves the CommonJS build of tsx's ESM API; the worker imports its ESM twin.
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/** The URL of the sibling module `name` of `here` (an `import.meta.url`), with `here`'s extension. */
export function siblingModule(here: string, name: string): URL {
  return new URL(`./${name}${here.endsWith('.ts') ? '.ts' : '.js'}`, here);
}
