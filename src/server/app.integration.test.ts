import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';

/**
 * The server over real HTTP: liveness, readiness, the OpenAPI document, the one error shape (bad
 * field, unknown route, body too large, malformed JSON), and that the setup routes need a session
 * or token and the admin role where they change something.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ connect: false, server: { bodyLimit: 64 * 1024 } });
});
afterAll(async () => {
  await server?.close();
});

interface ErrorJson {
  error: { code: string; message: string; details?: { issues?: Array<{ field: string; message: string }> } };
}

describe('health, readiness and the OpenAPI document', () => {
  it('answers health and ready without a session, and ready checks the database and its migrations', async () => {
    const health = await server.fetch('/api/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toBeTruthy();

    const ready = await server.fetch('/api/ready', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({
      status: 'ready',
      checks: [
        { name: 'database', ok: true, message: null },
        { name: 'migrations', ok: true, message: null },
      ],
    });
  });

  it('serves an OpenAPI document listing every registered route with its schemas', async () => {
    const res = await server.fetch<{
      openapi: string;
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses?: object }>>;
    }>('/api/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.json.openapi).toMatch(/^3\./);
    const documented = new Set<string>();
    for (const [path, methods] of Object.entries(res.json.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        expect(op.summary, `${method} ${path} has a summary`).toBeTruthy();
        expect(op.tags?.length, `${method} ${path} has a tag`).toBeGreaterThan(0);
        expect(
          Object.keys(op.responses ?? {}).some((status) => /^2\d\d$/.test(status)),
          `${method} ${path} documents its answer`,
        ).toBe(true);
      }
    }
    for (const want of [
      'GET /api/health',
      'GET /api/ready',
      'GET /api/connection',
      'POST /api/connection/verify',
      'POST /api/connection',
      'DELETE /api/connection',
      'GET /api/workspace/lists',
      'GET /api/workspace/fields',
      'GET /api/destinations',
      'GET /api/destinations/{entity}',
      'PUT /api/destinations/{entity}',
      'PATCH /api/destinations/{entity}',
      'POST /api/destinations/{entity}/check',
      'POST /api/destinations/{entity}/unmap',
      'DELETE /api/destinations/{entity}',
    ]) {
      expect(documented, want).toContain(want);
    }
    const paths = res.json.paths as Record<string, Record<string, Record<string, unknown>>>;
    const verify = paths['/api/connection/verify']?.post as {
      requestBody: { content: { 'application/json': { schema: { required?: string[] } } } };
    };
    expect(verify.requestBody.content['application/json'].schema.required).toContain('apiKey');
    const put = paths['/api/destinations/{entity}']?.put as {
      parameters: Array<{ name: string; in: string }>;
    };
    expect(put.parameters).toContainEqual(expect.objectContaining({ name: 'entity', in: 'path' }));
  });

  it('documents every route the server registered', async () => {
    const doc = (await server.fetch<{ paths: Record<string, Record<string, unknown>> }>('/api/openapi.json'))
      .json;
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    const registered = registeredRoutes(server);
    expect(registered.length).toBeGreaterThan(15);
    for (const r of registered) expect(documented, r).toContain(r);
  });
});

/** Every `METHOD /api/path` the server answers (HEAD twins aside), paths in OpenAPI's `{param}` form. */
function registeredRoutes(s: TestServer): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  // printRoutes draws the router's tree, four characters per level: rebuild each full path.
  for (const line of s.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = (m[1] ?? '').length / 4;
    stack.push(m[2] ?? '');
    if (!m[3]) continue;
    const path = stack.join('');
    if (!path.startsWith('/api/')) continue;
    for (const method of m[3].split(', ')) {
      if (method !== 'HEAD') out.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out;
}

describe('one error shape', () => {
  it('answers a bad body field with 400 naming it', async () => {
    const res = await server.fetch<ErrorJson>('/api/connection/verify', {
      method: 'POST',
      body: { apiKey: 42, baseUrl: 'not a url' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
    const fields = res.json.error.details?.issues?.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['apiKey', 'baseUrl']));
    expect(res.json.error.message).toContain('apiKey');
    expect(res.text).not.toMatch(/\bat .+\.ts:\d+/);
  });

  it('answers an unknown route with 404, signed in or not', async () => {
    for (const token of [undefined, null]) {
      const res = await server.fetch<ErrorJson>('/api/no-such-thing', { token });
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: 'not_found', message: 'no route GET /api/no-such-thing' } });
    }
  });

  it('answers a body larger than the limit with 413', async () => {
    const res = await server.fetch<ErrorJson>('/api/connection/verify', {
      method: 'POST',
      body: { apiKey: 'x'.repeat(100 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await server.fetch<ErrorJson>('/api/connection/verify', {
      method: 'POST',
      body: '{"apiKey": ',
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: 'bad_request', message: 'the request body is not valid JSON' });
  });
});

describe('who may ask', () => {
  const routes: Array<{ method: string; path: string; body?: unknown }> = [
    { method: 'GET', path: '/api/connection' },
    { method: 'POST', path: '/api/connection/verify', body: { apiKey: 'k' } },
    { method: 'POST', path: '/api/connection', body: { apiKey: 'k' } },
    { method: 'DELETE', path: '/api/connection' },
    { method: 'GET', path: '/api/workspace/lists' },
    { method: 'GET', path: '/api/workspace/fields' },
    { method: 'GET', path: '/api/destinations' },
    { method: 'GET', path: '/api/destinations/company' },
    { method: 'PUT', path: '/api/destinations/company', body: { recordType: 'organization' } },
    { method: 'PATCH', path: '/api/destinations/company', body: {} },
    { method: 'POST', path: '/api/destinations/company/check', body: {} },
    { method: 'POST', path: '/api/destinations/company/unmap', body: { sources: ['website'] } },
    { method: 'DELETE', path: '/api/destinations/company' },
  ];

  it('answers none of the setup routes without a session or token', async () => {
    for (const r of routes) {
      const res = await server.fetch<ErrorJson>(r.path, { method: r.method, body: r.body, token: null });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
    }
    const wrong = await server.fetch<ErrorJson>('/api/connection', { token: 'as_not-a-token' });
    expect(wrong.status).toBe(401);
  });

  it('refuses a member every admin route with 403', async () => {
    const adminOnly = routes.filter((r) => r.method !== 'GET' && !r.path.endsWith('/check'));
    expect(adminOnly.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/connection/verify',
      'POST /api/connection',
      'DELETE /api/connection',
      'PUT /api/destinations/company',
      'PATCH /api/destinations/company',
      'POST /api/destinations/company/unmap',
      'DELETE /api/destinations/company',
    ]);
    for (const r of adminOnly) {
      const res = await server.fetch<ErrorJson>(r.path, {
        method: r.method,
        body: r.body,
        token: server.member.token,
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
      expect(res.json.error.message).toContain(server.member.email);
    }
  });

  it('lets a member read the connection status', async () => {
    const res = await server.fetch('/api/connection', { token: server.member.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ connected: false, connection: null });
  });
});

describe('when the database is gone', () => {
  it('answers 500 with a request id and no stack, and ready answers 503 naming the database', async () => {
    await server.store.close();
    const res = await server.fetch<ErrorJson>('/api/connection');
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    expect(res.json).toEqual({ error: { code: 'internal', message: `internal error (request ${id})` } });

    const ready = await server.fetch<{ status: string; checks: Array<{ name: string; ok: boolean }> }>(
      '/api/ready',
      { token: null },
    );
    expect(ready.status).toBe(503);
    expect(ready.json.status).toBe('not_ready');
    expect(ready.json.checks.find((c) => c.name === 'database')?.ok).toBe(false);
  });
});
