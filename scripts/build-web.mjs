#!/usr/bin/env node
// Builds the web UI into dist/web when its sources changed since the last build (a hash of
// src/web and the lockfile is kept in dist/web/.source-hash), so `npm start` and the test suite
// build it once and then start at once. `--force` builds anyway.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const webSrc = `${root}src/web`;
const out = `${root}dist/web`;

/** A hash of everything the build reads: the UI's sources and the installed versions. */
export function sourceHash() {
  const hash = createHash('sha256');
  const files = readdirSync(webSrc, { recursive: true, encoding: 'utf8' })
    .filter((f) => !/\.test\.tsx?$/.test(f) && /\.(tsx?|css|html|json|svg|png)$/.test(f))
    .sort();
  for (const f of files) {
    hash.update(f);
    hash.update(readFileSync(`${webSrc}/${f}`));
  }
  hash.update(readFileSync(`${root}package-lock.json`));
  return hash.digest('hex');
}

/** Builds when stale; answers whether it built. */
export async function buildWeb({ force = false, quiet = false } = {}) {
  const hash = sourceHash();
  if (
    !force &&
    existsSync(`${out}/index.html`) &&
    readFileSync(`${out}/.source-hash`, 'utf8').trim() === hash
  ) {
    return false;
  }
  let build;
  try {
    ({ build } = await import('vite'));
  } catch (err) {
    // An install without the build tools (npm install --omit=dev) serves the UI it shipped with.
    if (existsSync(`${out}/index.html`)) return false;
    throw new Error(`cannot build the web UI: vite is not installed (npm install): ${err.message}`);
  }
  // Built beside, then swapped in, so a server running from dist/web never sees half a build.
  const tmp = `${root}dist/web.build-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  // Vite follows NODE_ENV when set (Vitest sets it to `test`): the UI is always built for production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({
    mode: 'production',
    configFile: `${webSrc}/vite.config.ts`,
    build: { outDir: tmp, emptyOutDir: true },
    logLevel: quiet ? 'warn' : 'info',
  }).finally(() => {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  });
  // Compressed copies beside each asset, which the server sends to browsers that accept them.
  for (const f of readdirSync(`${tmp}/assets`)) {
    if (!/\.(js|css|svg)$/.test(f)) continue;
    const body = readFileSync(`${tmp}/assets/${f}`);
    writeFileSync(`${tmp}/assets/${f}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(
      `${tmp}/assets/${f}.br`,
      brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 10 } }),
    );
  }
  writeFileSync(`${tmp}/.source-hash`, `${hash}\n`);
  const old = `${root}dist/web.old-${process.pid}`;
  try {
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
  } catch (err) {
    // Another build swapped its copy in first: the same sources, so keep that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(`${out}/index.html`)) throw err;
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await buildWeb({
    force: process.argv.includes('--force'),
    quiet: process.argv.includes('--quiet'),
  });
  if (!built && !process.argv.includes('--quiet')) console.log('web UI up to date in dist/web');
}
