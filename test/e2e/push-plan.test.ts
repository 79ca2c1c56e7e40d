import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient, createTransport } from '../../src/affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { pushSeed } from '../../src/sync/push/test-support.js';
import { type CliResult, dataDirAt, runCli } from '../support/cli.js';

/**
 * `push` shows the values a plan will write (cut in text, whole in `--json`), and refuses to plan
 * against a saved mapping whose field was deleted in Affinity, naming the field and the destination.
 */
const dir = mkdtempSync(join(tmpdir(), 'push-plan-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const long = `https://helio.energy/${'a-rather-long-path/'.repeat(5)}end`;

interface Doc {
  ok: boolean;
  error?: string;
  report?: {
    plan: {
      records: Array<{
        label: string;
        operations: string[];
        changes: Array<Record<string, unknown>>;
      }>;
    };
  };
}

describe('push plans', () => {
  let emu: RunningEmulator;
  let cli: (...args: string[]) => Promise<CliResult>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, seed: pushSeed });
    const dataDir = dataDirAt(join(dir, 'data'));
    cli = (...args) =>
      runCli([...args, '--data-dir', dataDir], {
        env: {
          DATABASE_URL: '',
          AFFINITY_API_KEY: emu.apiKey,
          AFFINITY_BASE_URL: emu.url,
          AFFINITY_SYNC_CONNECTION: '',
          AFFINITY_SYNC_SECRET: 'push plan test secret',
        },
      });
    const file = join(dir, 'companies.csv');
    writeFileSync(file, `name,domain,website,tags\nHelio,helio.energy,${long},fintech;ai\n`);
    const imported = await cli('import', 'companies', file);
    expect(imported.code, imported.stderr).toBe(0);
    const set = await cli(
      'destination',
      'set',
      'company',
      '--record-type',
      'organization',
      '--map',
      'website=Website',
      '--map',
      'tags=Tags',
    );
    expect(set.code, set.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await emu.close();
  });

  it('show the values they will write: cut to 60 characters in text, whole in --json', {
    timeout: 120_000,
  }, async () => {
    const text = await cli('push', '--all', 'company', '--dry-run');
    expect(text.code, text.stderr).toBe(0);
    const cut = `${long.slice(0, 59)}…`;
    expect(text.stdout).toContain(`set "Website" = ${cut}; set "Tags" += fintech, ai`);
    expect(text.stdout).not.toContain(long);

    const json = await cli('push', '--all', 'company', '--dry-run', '--json');
    expect(json.code, json.stderr).toBe(0);
    const record = (json.json as Doc).report?.plan.records[0];
    expect(record?.operations).toEqual([
      'create organization',
      `set "Website" = ${long}`,
      'set "Tags" += fintech',
      'set "Tags" += ai',
    ]);
    expect(record?.changes).toEqual([
      { action: 'create', field: null, to: 'organization' },
      { action: 'set', field: 'Website', to: long },
      { action: 'set', field: 'Tags', add: ['fintech'] },
      { action: 'set', field: 'Tags', add: ['ai'] },
    ]);
  });

  it('are refused, nothing written, when a mapped field was deleted in Affinity', {
    timeout: 120_000,
  }, async () => {
    const client = new AffinityClient({
      transport: createTransport({ apiKey: emu.apiKey, baseUrl: emu.url, ratePerMinute: 100_000 }),
    });
    const website = (await client.fields.all({ entity_type: 1 })).find((f) => f.name === 'Website');
    await client.fields.delete(website?.id as number);
    // The workspace as Affinity has it now (the cache would otherwise answer for up to a minute).
    const fields = await cli('workspace', 'fields', '--refresh');
    expect(fields.code, fields.stderr).toBe(0);
    emu.resetStats();

    const dry = await cli('push', '--all', 'company', '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(
      /push refused, nothing written: destination company → organization: field "Website" #\d+ \(from website\) no longer exists in Affinity/,
    );
    const real = await cli('push', '--all', 'company', '--json');
    expect(real.code).toBe(1);
    expect(real.json).toMatchObject({ ok: false, error: expect.stringMatching(/field "Website"/) });
    const writes = emu
      .stats()
      .byRoute.filter((r) => r.method !== 'GET')
      .reduce((n, r) => n + r.count, 0);
    expect(writes).toBe(0);
  });
});
