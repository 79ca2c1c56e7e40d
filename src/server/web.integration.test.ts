import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';

/**
 * How the server serves the web UI: the page for every path of the UI (with its security headers,
 * never cached), the hashed assets (cached for good, compressed when the browser accepts it), the
 * API's JSON 404 kept for API paths, and a page saying how to build the UI when it is missing.
 */
describe('the web UI as served', () => {
  const root = mkdtempSync(join(tmpdir(), 'web-root-'));
  const script = 'console.log("the UI");'.repeat(50);
  let server: TestServer;
  let unbuilt: TestServer;

  beforeAll(async () => {
    mkdirSync(join(root, 'assets'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><div id="root"></div><script src="/assets/app-1.js"></script>',
    );
    writeFileSync(join(root, 'assets', 'app-1.js'), script);
    writeFileSync(join(root, 'assets', 'app-1.js.gz'), gzipSync(script));
    writeFileSync(join(root, '.source-hash'), 'secret-ish\n');
    [server, unbuilt] = await Promise.all([
      startTestServer({ connect: false, server: { webRoot: root } }),
      startTestServer({ connect: false, server: { webRoot: null } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), unbuilt?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers the page for every path of the UI, without sign-in, never cached, with its security headers', async () => {
    for (const path of ['/', '/crm', '/integrations/activity/12?status=failed', '/setup']) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves the assets cached for good, compressed for a browser that accepts it, and nothing else of the build', async () => {
    const plain = await fetch(`${server.url}/assets/app-1.js`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    expect(await plain.text()).toBe(script);

    const gz = await fetch(`${server.url}/assets/app-1.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(script); // fetch decodes it

    const hidden = await fetch(`${server.url}/.source-hash`, { headers: { accept: 'application/json' } });
    expect(hidden.status).toBe(404);
    const missing = await fetch(`${server.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
  });

  it('keeps the API JSON: an unknown API path is a 404 error, and an API route still needs a session', async () => {
    const unknown = await fetch(`${server.url}/api/nothing-here`, { headers: { accept: 'text/html' } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const me = await fetch(`${server.url}/api/auth/me`, { headers: { accept: 'text/html' } });
    expect(me.status).toBe(401);
    // A POST to a page path is not a page.
    const post = await fetch(`${server.url}/crm`, { method: 'POST', headers: { accept: 'text/html' } });
    expect(post.status).toBe(404);
  });

  it('says how to build the UI when it has not been built', async () => {
    const res = await fetch(`${unbuilt.url}/crm`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build:web');
  });
});
