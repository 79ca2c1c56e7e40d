import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { startEmulator } from '../emulator/index.js';
import { startRun } from '../sync/activity.js';
import { openStore, type Store } from './open.js';
import { SERVE_FILE, serveStore } from './served.js';

const storeModule = fileURLToPath(new URL('./index.ts', import.meta.url));

/** A finished run, as the server would record one, that `activity` lists. */
const serverRun = (actor: string) => sql`
  INSERT INTO sync_runs (kind, trigger, actor, status, finished_at)
  VALUES ('push', 'cli', ${actor}, 'succeeded', now())`;

const actorsOf = (json: unknown): string[] =>
  ((json as { runs?: Array<{ actor: string }> }).runs ?? []).map((r) => r.actor);

describe('the CLI on a data directory a server holds', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  let store: Store | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await store?.close();
    store = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'affinity-sync-served-cli-'));
    dirs.push(d);
    return d;
  };

  it("reads the server's data and writes data the server sees, through the server's socket", async () => {
    const dataDir = tempDir();
    store = await openStore({ dataDir });
    await store.query(serverRun('served-by-the-test'));
    await serveStore(store, { dataDir });

    const activity = await runCli(['activity', '--json', '--data-dir', dataDir]);
    expect(activity.code, activity.stderr).toBe(0);
    expect(actorsOf(activity.json)).toEqual(['served-by-the-test']);
    const crm = await runCli(['crm', '--json', '--data-dir', dataDir]);
    expect(crm.code, crm.stderr).toBe(0);

    const csv = join(tempDir(), 'companies.csv');
    writeFileSync(csv, 'name,domain\nHelio,helio-served.com\nNorth,north-served.io\n');
    const imported = await runCli(['import', 'companies', csv, '--json', '--data-dir', dataDir]);
    expect(imported.code, imported.stderr).toBe(0);
    const names = await store.query<{ name: string }>(sql`SELECT name FROM intel_companies ORDER BY name`);
    expect(names.map((r) => r.name)).toEqual(['Helio', 'North']);
  });

  it('opens the directory itself once the server was killed, its serve.json left behind', async () => {
    const dataDir = tempDir();
    const script = `
      const { openStore, serveStore } = await import(${JSON.stringify(storeModule)});
      const { sql } = await import('drizzle-orm');
      const store = await openStore({ dataDir: ${JSON.stringify(dataDir)} });
      await store.query(sql\`INSERT INTO sync_runs (kind, trigger, actor, status, finished_at)
        VALUES ('push', 'cli', 'served-by-a-process', 'succeeded', now())\`);
      await serveStore(store);
      console.log('serving');
      setInterval(() => {}, 1000);`;
    const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    children.push(server);
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise((resolve) => server.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('serving')) resolve();
      });
      server.on('close', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
    });

    const served = await runCli(['activity', '--json', '--data-dir', dataDir]);
    expect(served.code, served.stderr).toBe(0);
    expect(actorsOf(served.json)).toEqual(['served-by-a-process']);

    server.kill('SIGKILL');
    await exited;
    expect(existsSync(join(dataDir, SERVE_FILE))).toBe(true);
    const alone = await runCli(['activity', '--json', '--data-dir', dataDir]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(actorsOf(alone.json)).toEqual(['served-by-a-process']);
    // Opened directly: the dead server's file is gone with its socket.
    expect(existsSync(join(dataDir, SERVE_FILE))).toBe(false);
    expect(existsSync(join(dataDir, '.s.PGSQL.5432'))).toBe(false);
  });
});

describe("the CLI and a served directory's runs", () => {
  it("leaves the server's running run alone and refuses a second run of its connection (exit 4)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'affinity-sync-served-lease-'));
    const emulator = await startEmulator({ port: 0, seed: 'demo' });
    const store = await openStore({ dataDir });
    const env = {
      AFFINITY_SYNC_SECRET: 'served lease test secret',
      AFFINITY_API_KEY: '',
      AFFINITY_BASE_URL: '',
    };
    try {
      await serveStore(store, { dataDir });
      const connected = await runCli(
        [
          'connect',
          '--api-key',
          emulator.apiKey,
          '--base-url',
          emulator.url,
          '--json',
          '--data-dir',
          dataDir,
        ],
        { env },
      );
      expect(connected.code, connected.stderr).toBe(0);
      const [connection] = await store.query<{ id: number }>(sql`SELECT id FROM sync_connections`);
      // The server's pull, holding the connection's lease in this process.
      const run = await startRun(store, {
        kind: 'pull',
        trigger: 'api',
        actor: 'served-pull',
        connectionId: connection?.id ?? null,
        exclusive: true,
      });
      try {
        const activity = await runCli(['activity', '--json', '--data-dir', dataDir], { env });
        expect(activity.code, activity.stderr).toBe(0);
        const [row] = await store.query<{ status: string }>(
          sql`SELECT status FROM sync_runs WHERE id = ${run.id}`,
        );
        expect(row?.status).toBe('running');

        const pull = await runCli(['pull', '--list', 'Deal Flow', '--json', '--data-dir', dataDir], { env });
        expect(pull.code, pull.stderr).toBe(4);
        expect(pull.stderr).toContain(`run ${run.id}`);
      } finally {
        await run.finish();
      }
      const [after] = await store.query<{ status: string }>(
        sql`SELECT status FROM sync_runs WHERE id = ${run.id}`,
      );
      expect(after?.status).toBe('succeeded');
      // With the lease free, the CLI's pull runs through the server's socket.
      const pull = await runCli(['pull', '--list', 'Deal Flow', '--json', '--data-dir', dataDir], { env });
      expect(pull.code, pull.stderr).toBe(0);
    } finally {
      await store.close();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
