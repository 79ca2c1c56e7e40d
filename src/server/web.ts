import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where the built web UI is (`dist/web` of the package), from `src/server`, `dist/server` or the
 * suite's compiled copy; null when it has not been built (`npm run build:web`).
 */
export function defaultWebRoot(): string | null {
  for (const rel of ['../../dist/web', '../../../dist/web']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}/index.html`)) return dir;
  }
  return null;
}

/**
 * The content security policy of the UI's pages: only our own scripts and API; inline styles are
 * allowed because the component kit sets CSS variables on elements.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Serves the built web UI: its hashed assets with a long cache, and `index.html` (never cached) for
 * every other GET that asks for a page outside `/api` and `/webhooks`, so the UI's own paths
 * (`/crm`, `/setup#token=…`) load it. Static files are public: they hold no data, and every
 * `/api` call they make is checked as any other.
 */
export async function installWebUi(app: FastifyInstance, root: string | null): Promise<void> {
  app.decorate('webRoot', root);
  if (root === null) return;
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await web.register(fastifyStatic, {
      root,
      prefix: '/',
      index: false,
      wildcard: true,
      maxAge: '365d',
      immutable: true,
      // The build writes .br and .gz copies of each asset: a third of the bytes or less.
      preCompressed: true,
      // Only the hashed bundle is served as files; the page itself goes through `webFallback`.
      allowedPath: (path) => path.startsWith('/assets/') || path === '/favicon.svg',
    });
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    webRoot: string | null;
  }
}

/**
 * The answer to a request no route took when it is a page of the UI: `index.html`, or a page
 * saying how to build the UI when it is missing. Null for everything else (API paths, other
 * methods, clients that do not ask for HTML), which get the API's JSON 404.
 */
export function webFallback(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const path = request.url.split('?')[0] ?? '/';
  if (
    path.startsWith('/api/') ||
    path === '/api' ||
    path.startsWith('/webhooks/') ||
    path.startsWith('/assets/')
  ) {
    return null;
  }
  const accept = request.headers.accept ?? '';
  if (!accept.includes('text/html') && !accept.includes('*/*')) return null;
  reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    // The first-run link carries its token in the fragment; no referrer leaks the page either way.
    .header('referrer-policy', 'no-referrer');
  return reply.send(indexHtml(request.server.webRoot));
}

/** The UI's page, read at each request: a rebuild swaps `dist/web` under a running server. */
function indexHtml(root: string | null): string {
  if (root === null) return NOT_BUILT;
  try {
    return readFileSync(`${root}/index.html`, 'utf8');
  } catch {
    return NOT_BUILT;
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>affinity-sync</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>affinity-sync</h1>
<p>The web UI has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it)
and reload this page. The API answers at <a href="/api/openapi.json">/api</a>.</p>
</body></html>
`;
