import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startServe } from '../support/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('affinity-sync serve', () => {
  it('listens on a free port, prints the URL and a first-run link, answers, and stops cleanly on SIGTERM', async () => {
    const serve = startServe(['--port', '0', '--data-dir', join(dir, 'text')]);
    try {
      const out = await serve.output;
      const url = /serving at (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      expect(url, out).not.toBeNull();
      expect(Number(url?.[2])).toBeGreaterThan(0);
      expect(out).toContain(`${url?.[1]}/api/openapi.json`);
      expect(out).toMatch(new RegExp(`${url?.[1]}/setup#token=\\S+`));

      const health = await fetch(`${url?.[1]}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await fetch(`${url?.[1]}/api/ready`);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
      const guarded = await fetch(`${url?.[1]}/api/connection`);
      expect(guarded.status).toBe(401);

      // A second server on the same port says so in one line.
      const taken = await runCli(['serve', '--port', url?.[2] ?? '', '--data-dir', join(dir, 'second')], {
        env: { DATABASE_URL: '', AFFINITY_SYNC_SECRET: 'serve e2e test secret', LOG_LEVEL: 'warn' },
      });
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`affinity-sync: port ${url?.[2]} on 127.0.0.1 is in use`);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exit).toBe(0);
  });

  it('prints {url} with --json', async () => {
    const serve = startServe([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--json',
      '--data-dir',
      join(dir, 'json'),
    ]);
    let url = '';
    try {
      const doc = JSON.parse((await serve.output).trim()) as { url: string; setupUrl?: string };
      url = doc.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(doc.setupUrl).toMatch(/\/setup#token=/);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
    } finally {
      serve.child.kill('SIGINT');
    }
    expect(await serve.exit).toBe(0);
  });
});
