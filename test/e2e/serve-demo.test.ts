import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDirAt, runCli } from '../support/cli.js';
import { startServe } from '../support/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-demo-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }));

interface DemoStart {
  url: string;
  demo: {
    affinity: { url: string; apiKey: string } | null;
    admin: { email: string; password: string } | null;
    datasetLoaded: boolean;
  };
}

/** A signed-in browser: the session cookie and its CSRF token. */
async function signIn(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return async (path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': csrfToken }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
}

describe('affinity-sync serve --demo (npm start)', () => {
  it('tries the product at once: dataset, built-in Affinity, a demo admin; a restart keeps all three, and the CLI works alongside', async () => {
    const dataDir = dataDirAt(join(dir, 'data'));
    const first = startServe(['--demo', '--port', '0', '--json', '--data-dir', dataDir]);
    let builtinUrl = '';
    try {
      const start = JSON.parse(await first.output) as DemoStart;
      expect(start.demo.datasetLoaded).toBe(true);
      expect(start.demo.admin?.email).toBe('admin@example.com');
      expect(start.demo.affinity?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      builtinUrl = start.demo.affinity?.url ?? '';
      // Nobody has to use a setup link: the demo admin exists.
      expect(start).not.toHaveProperty('setupUrl');

      const api = await signIn(start.url, 'admin@example.com', start.demo.admin?.password ?? '');
      // Connecting without a URL reaches the built-in Affinity, never the real one.
      const connected = await api('/api/connection', { apiKey: start.demo.affinity?.apiKey });
      expect(connected.status).toBe(200);
      expect(connected.json.workspace).toMatchObject({
        baseUrl: builtinUrl,
        tenantName: 'Emulated Affinity',
      });
      const lists = await api('/api/workspace/lists');
      expect((lists.json.lists as Array<{ name: string }>).map((l) => l.name)).toContain('Deal Flow');
      const found = await api('/api/search?entity=companies&limit=1');
      expect(found.status).toBe(200);
      expect((found.json.results as unknown[]).length).toBe(1);

      // The CLI on the same data directory works while the server holds it.
      const crm = await runCli(['connect', '--status', '--json', '--data-dir', dataDir], {
        env: { DATABASE_URL: '' },
      });
      expect(crm.code, crm.stderr).toBe(0);
      expect(crm.json).toMatchObject({ ok: true, workspace: { baseUrl: builtinUrl } });
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exit).toBe(0);

    const second = startServe(['--demo', '--port', '0', '--json', '--data-dir', dataDir]);
    try {
      const again = JSON.parse(await second.output) as DemoStart;
      expect(again.demo.datasetLoaded).toBe(false);
      // The password was shown once; no second admin is made.
      expect(again.demo.admin).toBeNull();
      const api = await signIn(again.url, 'admin@example.com', (await passwordOf(first)) ?? '');
      const status = await api('/api/connection');
      // The stored connection follows the built-in Affinity wherever it listens now.
      expect(status.json).toMatchObject({ connected: true });
      expect((status.json.workspace as { baseUrl: string }).baseUrl).toBe(again.demo.affinity?.url);
      const lists = await api('/api/workspace/lists');
      expect(lists.status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exit).toBe(0);
  });
});

/** The demo admin's password from a start's `--json` document. */
async function passwordOf(serve: ReturnType<typeof startServe>): Promise<string | undefined> {
  return (JSON.parse(await serve.output) as DemoStart).demo.admin?.password;
}
