import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schedule } from '../../src/app/schedules.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { demoWorkspaceFacts } from '../../src/emulator/seeds/index.js';
import { type CliResult, dataDirAt, runCli } from '../support/cli.js';

/** `affinity-sync schedule add|list|pause|resume|remove` as an operator runs it, in text and JSON. */

const dir = mkdtempSync(join(tmpdir(), 'affinity-sync-schedule-e2e-'));
const facts = demoWorkspaceFacts();
const env = {
  DATABASE_URL: '',
  AFFINITY_API_KEY: '',
  AFFINITY_BASE_URL: '',
  AFFINITY_SYNC_SECRET: 'schedule e2e test master secret',
  LOG_LEVEL: 'warn',
};
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo', ratePerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const dataDir = () => dataDirAt(join(dir, 'data'));
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--data-dir', dataDir()], { env });
// biome-ignore lint/suspicious/noExplicitAny: JSON documents are read field by field
const json = (r: CliResult): any => r.json;

describe('affinity-sync schedule', () => {
  it('adds, lists, pauses, resumes and removes schedules', async () => {
    expect((await cli('schedule', 'list')).stderr).toMatch(/connect/);
    expect((await cli('connect', '--api-key', emu.apiKey, '--base-url', emu.url)).code).toBe(0);

    const empty = await cli('schedule', 'list');
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/^no schedules/);

    const pull = await cli(
      'schedule',
      'add',
      'nightly founders',
      '--pull',
      '--list',
      facts.lists.founders,
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Paris',
      '--json',
    );
    expect(pull.code, pull.stderr).toBe(0);
    const pulled = json(pull).schedule as Schedule;
    expect(pulled).toMatchObject({
      name: 'nightly founders',
      kind: 'pull',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      target: { lists: [facts.lists.founders] },
      paused: false,
    });
    expect(pulled.nextRunAt).not.toBeNull();

    const push = await cli('schedule', 'add', 'crm hourly', '--push-crm', '--every', '60');
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^added #\d+ crm hourly: push My CRM, every 60 minutes/);

    const badZone = await cli('schedule', 'add', 'x', '--pull', '--cron', '0 3 * * *', '--tz', 'Mars/Base');
    expect(badZone.code).toBe(1);
    expect(badZone.stderr).toMatch(/timezone: unknown time zone/);
    const badCron = await cli('schedule', 'add', 'x', '--pull', '--cron', '0 25 * * *');
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/cron: invalid cron expression/);
    const nothing = await cli('schedule', 'add', 'x', '--every', '5');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/--pull, --push-search NAME, --push-list NAME or --push-crm/);

    const listed = await cli('schedule', 'list', '--json');
    expect(listed.code).toBe(0);
    expect((json(listed).schedules as Schedule[]).map((s) => s.name)).toEqual([
      'crm hourly',
      'nightly founders',
    ]);
    const text = await cli('schedule', 'list');
    expect(text.stdout).toContain(
      `#${pulled.id} nightly founders: pull ${facts.lists.founders}, cron "0 3 * * *" Europe/Paris`,
    );
    expect(text.stdout).toMatch(/last: never/);

    const paused = await cli('schedule', 'pause', 'nightly founders', '--json');
    expect(paused.code, paused.stderr).toBe(0);
    expect(json(paused).schedule).toMatchObject({ id: pulled.id, paused: true, nextRunAt: null });
    expect((await cli('schedule', 'list')).stdout).toMatch(/nightly founders.*\[paused\]\n\s+next: paused/);

    const resumed = await cli('schedule', 'resume', String(pulled.id));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^resumed #\d+ nightly founders/);
    expect(resumed.stdout).not.toContain('[paused]');

    const removed = await cli('schedule', 'remove', 'crm hourly', '--json');
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed).removed.name).toBe('crm hourly');
    const gone = await cli('schedule', 'remove', 'crm hourly');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no schedule named "crm hourly"/);
    expect(
      (json(await cli('schedule', 'list', '--json')).schedules as Schedule[]).map((s) => s.name),
    ).toEqual(['nightly founders']);
  });
});
