import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';

/**
 * Who may call each operation of the API. Every operation of the OpenAPI document must be here, so
 * a new route cannot ship without a decision; `admin` operations are then called as a member with
 * an input that is otherwise valid, and must answer 403.
 */
type Access = 'public' | 'signed-in' | 'admin';

const access: Record<string, Access> = {
  'POST /webhooks/affinity/{secret}': 'public',
  'GET /api/health': 'public',
  'GET /api/ready': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'signed-in',
  'GET /api/auth/me': 'signed-in',
  'GET /api/auth/setup': 'public',
  'POST /api/auth/setup': 'public',
  'POST /api/auth/password': 'signed-in',
  'GET /api/auth/sessions': 'signed-in',
  'DELETE /api/auth/sessions': 'signed-in',
  'DELETE /api/auth/sessions/{id}': 'signed-in',
  'GET /api/users': 'signed-in',
  'POST /api/users': 'admin',
  'PATCH /api/users/{id}': 'admin',
  'DELETE /api/users/{id}': 'admin',
  'DELETE /api/users/{id}/sessions': 'admin',
  'GET /api/tokens': 'signed-in',
  'POST /api/tokens': 'signed-in',
  'DELETE /api/tokens/{id}': 'signed-in',
  'GET /api/connection': 'signed-in',
  'POST /api/connection': 'admin',
  'DELETE /api/connection': 'admin',
  'POST /api/connection/verify': 'admin',
  'GET /api/workspace/lists': 'signed-in',
  'GET /api/workspace/fields': 'signed-in',
  'GET /api/destinations': 'signed-in',
  'GET /api/destinations/{entity}': 'signed-in',
  'PUT /api/destinations/{entity}': 'admin',
  'PATCH /api/destinations/{entity}': 'admin',
  'DELETE /api/destinations/{entity}': 'admin',
  'POST /api/destinations/{entity}/check': 'signed-in',
  'POST /api/destinations/{entity}/unmap': 'admin',
  'GET /api/search': 'signed-in',
  'GET /api/saved-searches': 'signed-in',
  'POST /api/saved-searches': 'signed-in',
  'GET /api/saved-searches/{id}': 'signed-in',
  'PATCH /api/saved-searches/{id}': 'signed-in',
  'DELETE /api/saved-searches/{id}': 'signed-in',
  'GET /api/saved-searches/{id}/results': 'signed-in',
  'POST /api/saved-searches/{id}/check': 'signed-in',
  'PUT /api/saved-searches/{id}/auto-push': 'signed-in',
  'GET /api/lists': 'signed-in',
  'POST /api/lists': 'signed-in',
  'GET /api/lists/{id}': 'signed-in',
  'PATCH /api/lists/{id}': 'signed-in',
  'DELETE /api/lists/{id}': 'signed-in',
  'POST /api/lists/{id}/members': 'signed-in',
  'DELETE /api/lists/{id}/members': 'signed-in',
  'PUT /api/lists/{id}/auto-push': 'signed-in',
  'GET /api/crm': 'signed-in',
  'GET /api/review': 'signed-in',
  'POST /api/review/{id}/decision': 'signed-in',
  'GET /api/runs': 'signed-in',
  'GET /api/runs/{id}': 'signed-in',
  'GET /api/runs/{id}/records': 'signed-in',
  'POST /api/push/plan': 'signed-in',
  'POST /api/push': 'signed-in',
  'GET /api/pull/sources': 'signed-in',
  'PUT /api/pull/sources': 'admin',
  'POST /api/pull/estimate': 'signed-in',
  'POST /api/pull': 'signed-in',
  'GET /api/runs/{id}/events': 'signed-in',
  'POST /api/runs/{id}/cancel': 'signed-in',
  'GET /api/schedules': 'signed-in',
  'POST /api/schedules': 'admin',
  'GET /api/schedules/{id}': 'signed-in',
  'PATCH /api/schedules/{id}': 'admin',
  'DELETE /api/schedules/{id}': 'admin',
  'POST /api/schedules/{id}/pause': 'admin',
  'POST /api/schedules/{id}/resume': 'admin',
  'POST /api/schedules/{id}/run-now': 'admin',
  'GET /api/webhooks': 'signed-in',
  'POST /api/webhooks': 'admin',
  'GET /api/webhooks/deliveries': 'signed-in',
  'POST /api/webhooks/{id}/rotate': 'admin',
  'DELETE /api/webhooks/{id}': 'admin',
  'GET /api/usage': 'signed-in',
  'PUT /api/usage/budget': 'admin',
};

let server: TestServer;
let scheduleId = 0;

beforeAll(async () => {
  server = await startTestServer();
  const made = await server.fetch<{ id: number }>('/api/schedules', {
    method: 'POST',
    body: { name: 'nightly pull', kind: 'pull', cron: '0 3 * * *', timezone: 'Europe/Paris' },
  });
  expect(made.status, made.text).toBe(201);
  scheduleId = made.json.id;
});
afterAll(async () => {
  await server?.close();
});

/** An input each admin operation would accept from an admin, so only the role can refuse it. */
function requestFor(op: string): { path: string; body?: unknown } {
  const [, path = ''] = op.split(' ');
  const filled = path
    .replace('{id}', path.startsWith('/api/users') ? String(server.admin.userId) : String(scheduleId))
    .replace('{entity}', 'company');
  const bodies: Record<string, unknown> = {
    'POST /api/users': {
      email: 'new.person@example.com',
      password: 'a long enough password',
      role: 'member',
    },
    'PATCH /api/users/{id}': { role: 'member' },
    'POST /api/connection': { apiKey: server.emulator.apiKey, baseUrl: server.emulator.url },
    'POST /api/connection/verify': { apiKey: server.emulator.apiKey, baseUrl: server.emulator.url },
    'PUT /api/destinations/{entity}': { recordType: 'organization', match: 'domain', mode: 'create-update' },
    'PATCH /api/destinations/{entity}': { mode: 'update-only' },
    'POST /api/destinations/{entity}/unmap': { sources: ['website'] },
    'PUT /api/pull/sources': { sources: [{ list: 'Deal Flow' }] },
    'POST /api/schedules': { name: 'hourly pull', kind: 'pull', intervalMinutes: 60 },
    'PATCH /api/schedules/{id}': { paused: true },
    'POST /api/webhooks': { publicUrl: 'https://sync.example.com' },
    'PUT /api/usage/budget': { automationBudgetPct: 60 },
  };
  const [method] = op.split(' ');
  const body = op in bodies ? bodies[op] : method === 'POST' ? {} : undefined;
  return { path: filled, ...(body === undefined ? {} : { body }) };
}

describe('roles on every route', () => {
  it('classifies every operation of the OpenAPI document, and nothing else', async () => {
    const doc = await server.fetch<{ paths: Record<string, Record<string, unknown>> }>('/api/openapi.json');
    const operations = Object.entries(doc.json.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(Object.keys(access).sort());
  });

  it('answers 403 to a member on every admin operation, and nothing changed', async () => {
    const admin = Object.entries(access).filter(([, a]) => a === 'admin');
    expect(admin.length).toBeGreaterThan(15);
    for (const [op] of admin) {
      const [method = 'GET'] = op.split(' ');
      const { path, body } = requestFor(op);
      const res = await server.fetch<{ error?: { code: string } }>(path, {
        method,
        token: server.member.token,
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, `${op}: ${res.text}`).toBe(403);
      expect(res.json.error?.code, op).toBe('forbidden');
    }
    // The admin's account, the schedule and the connection are as they were.
    const me = await server.fetch<{ users: Array<{ email: string; role: string }> }>('/api/users');
    expect(me.json.users.find((u) => u.email === server.admin.email)?.role).toBe('admin');
    const schedule = await server.fetch<{ paused: boolean }>(`/api/schedules/${scheduleId}`);
    expect(schedule.json.paused).toBe(false);
    const connection = await server.fetch<{ connected: boolean }>('/api/connection');
    expect(connection.json.connected).toBe(true);
  });

  it('lets a member call what members may (a sample of reads and runs)', async () => {
    for (const path of ['/api/connection', '/api/schedules', '/api/usage', '/api/runs', '/api/users']) {
      const res = await server.fetch(path, { token: server.member.token });
      expect(res.status, `${path}: ${res.text}`).toBe(200);
    }
    const plan = await server.fetch('/api/push/plan', {
      method: 'POST',
      token: server.member.token,
      body: { selection: { all: 'company' } },
    });
    expect([200, 400, 409], plan.text).toContain(plan.status);
    expect(plan.status).not.toBe(403);
  });
});
