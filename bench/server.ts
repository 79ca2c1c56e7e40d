/**
 * The HTTP API under load: `serve --demo` in its own process on an embedded store holding the demo
 * dataset and a pull of the demo workspace's lists, then typical reads at 10 concurrent connections
 * for 5 s each (autocannon, same machine, an API token): the run log, one run, My CRM, a growth
 * search, the connection status and the health check. Prints p50/p99, req/s and the server's CPU
 * per request (Linux), the figure that moves least when other work shares the machine.
 * Aims: p99 ≤ 50 ms for every read; ≥ 500 req/s on the run log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServe } from '../test/support/serve-process.js';

interface DemoStart {
  url: string;
  demo: { affinity: { apiKey: string } | null; admin: { email: string; password: string } | null };
}

/** User + system CPU milliseconds of process `pid` so far, or null off Linux. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function call(url: string, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-server-'));
  const serve = startServe(['--demo', '--port', '0', '--json', '--data-dir', dataDir], {
    LOG_LEVEL: 'error',
  });
  try {
    const start = JSON.parse(await serve.output) as DemoStart;
    const { url } = start;
    // Sign in once to make an API token, then use only the token.
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: start.demo.admin?.email, password: start.demo.admin?.password }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const made = await call(url, '/api/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'bench' }),
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    const token = made.token as string;
    await call(url, '/api/connection', {
      method: 'POST',
      token,
      body: JSON.stringify({ apiKey: start.demo.affinity?.apiKey }),
    });
    const lists = (await call(url, '/api/workspace/lists', { token })).lists as Array<{ id: number }>;
    const queued = await call(url, '/api/pull', {
      method: 'POST',
      token,
      body: JSON.stringify({ lists: lists.map((l) => l.id) }),
    });
    const runId = queued.runId as number;
    for (;;) {
      const r = await call(url, `/api/runs/${runId}`, { token });
      const status = (r.run as { status?: string } | undefined)?.status ?? (r.status as string);
      if (status !== 'queued' && status !== 'running') break;
      await new Promise((res) => setTimeout(res, 200));
    }

    const reads: Array<[string, string]> = [
      ['run log (GET /api/runs?limit=20)', '/api/runs?limit=20'],
      ['one run (GET /api/runs/:id)', `/api/runs/${runId}`],
      ['My CRM page (GET /api/crm?limit=25)', '/api/crm?limit=25'],
      ['growth search (GET /api/search)', '/api/search?entity=companies&sort=growth&limit=25'],
      ['connection status (GET /api/connection)', '/api/connection'],
      ['health (GET /api/health, no auth)', '/api/health'],
    ];
    process.stdout.write(`server ${url}, embedded store, 10 connections, 5 s per read\n`);
    for (const [title, path] of reads) {
      const before = cpuMs(serve.child.pid);
      const result = await autocannon({
        url: `${url}${path}`,
        connections: 10,
        duration: 5,
        headers: { authorization: `Bearer ${token}` },
      });
      const after = cpuMs(serve.child.pid);
      const cpu =
        before !== null && after !== null && result.requests.total > 0
          ? `   cpu ${Math.round(((after - before) * 1000) / result.requests.total)} µs/req`
          : '';
      const p99 = result.latency.p99;
      process.stdout.write(
        `${title.padEnd(44)} ${String(Math.round(result.requests.average)).padStart(6)} req/s   p50 ${result.latency.p50} ms   p99 ${p99} ms${cpu}   non-2xx/errors ${result.non2xx + result.errors}   p99 aim ≤ 50 ms: ${(p99 / 50).toFixed(2)}x ${p99 <= 50 ? 'met' : 'MISSED'}\n`,
      );
    }
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exit;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
