import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AffinityClient } from '../../src/affinity/index.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { emulatorCalls, pushSeed, SEED, testTransport } from '../../src/sync/push/test-support.js';
import { type CliResult, dataDirAt, runCli } from '../support/cli.js';

/**
 * `workspace lists|fields` and `destination set|unmap|remove|show` as users run them, against the
 * emulator over HTTP.
 */
const dir = mkdtempSync(join(tmpdir(), 'workspace-cli-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: pushSeed });
});
afterAll(async () => {
  await emu.close();
});

function setup(name: string) {
  const dataDir = dataDirAt(join(dir, name));
  return (...args: string[]): Promise<CliResult> =>
    runCli([...args, '--data-dir', dataDir], {
      env: {
        DATABASE_URL: '',
        AFFINITY_API_KEY: emu.apiKey,
        AFFINITY_BASE_URL: emu.url,
        AFFINITY_SYNC_CONNECTION: '',
        AFFINITY_SYNC_SECRET: 'workspace cli test secret',
      },
    });
}

interface ListJson {
  id: number;
  name: string;
  type: string;
  size: number;
  public: boolean;
  owner: { id: number; name: string | null; email: string | null } | null;
}
interface FieldJson {
  id: number;
  name: string;
  entityType: string;
  valueType: string;
  multiple: boolean;
  list: { id: number; name: string | null } | null;
  options: Array<{ text: string }>;
}

describe('workspace command', () => {
  it('lists the lists and fields, cached between commands, filtered by list or record type', {
    timeout: 480_000,
  }, async () => {
    emu.seed(pushSeed);
    const client = new AffinityClient({ transport: testTransport(emu) });
    const deals = (await client.lists.all()).find((l) => l.name === SEED.deals);
    await client.fields.create({
      name: 'Round',
      entity_type: 8,
      value_type: 2,
      list_id: deals?.id as number,
      is_list_specific: true,
    });
    const cli = setup('workspace');

    const text = await cli('workspace', 'lists');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^2 lists in workspace .+ at ${emu.url}`));
    expect(text.stdout).toMatch(/id\s+name\s+type\s+size\s+owner\s+access/);
    expect(text.stdout).toMatch(/Dealflow\s+organization\s+0\s+\S+\s+public/);
    expect(text.stdout).toMatch(/Investor Deals\s+opportunity\s+0\s+\S+\s+public/);

    // Within the cache's life a second command costs no call.
    emu.resetStats();
    const json = await cli('workspace', 'lists', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(emulatorCalls(emu).total).toBe(0);
    const doc = json.json as { ok: boolean; workspace: { baseUrl: string }; lists: ListJson[] };
    expect(doc.ok).toBe(true);
    expect(doc.workspace.baseUrl).toBe(emu.url);
    expect(doc.lists).toEqual([
      {
        id: expect.any(Number),
        name: SEED.dealflow,
        type: 'organization',
        size: 0,
        public: true,
        owner: { id: expect.any(Number), name: null, email: expect.anything() },
      },
      expect.objectContaining({ name: SEED.deals, type: 'opportunity' }),
    ]);
    // --refresh reads Affinity again.
    expect((await cli('workspace', 'lists', '--refresh', '--json')).code).toBe(0);
    expect(emulatorCalls(emu).reads).toBe(1);

    const all = await cli('workspace', 'fields', '--json');
    expect(all.code, all.stderr).toBe(0);
    const fields = (all.json as { fields: FieldJson[] }).fields;
    expect(fields.find((f) => f.name === 'Stage')).toMatchObject({
      entityType: 'organization',
      valueType: 'ranked dropdown',
      multiple: false,
      list: null,
      options: SEED.stageOptions.map((t) => expect.objectContaining({ text: t })),
    });
    expect(fields.find((f) => f.name === 'Job Titles')).toMatchObject({
      entityType: 'person',
      valueType: 'dropdown',
      multiple: true,
    });
    expect(fields.find((f) => f.name === 'Round')).toMatchObject({
      entityType: 'opportunity',
      list: { id: deals?.id, name: SEED.deals },
    });

    const people = await cli('workspace', 'fields', '--entity', 'person', '--json');
    expect(new Set((people.json as { fields: FieldJson[] }).fields.map((f) => f.entityType))).toEqual(
      new Set(['person']),
    );
    const onDeals = await cli('workspace', 'fields', '--list', SEED.deals, '--json');
    expect(onDeals.json).toMatchObject({
      ok: true,
      list: { name: SEED.deals, type: 'opportunity' },
      entity: 'opportunity',
      fields: [expect.objectContaining({ name: 'Round' })],
    });
    const onDealflow = await cli('workspace', 'fields', '--list', 'dealflow');
    expect(onDealflow.code, onDealflow.stderr).toBe(0);
    expect(onDealflow.stdout).toMatch(/fields usable on list "Dealflow" \(organization\) in workspace/);
    expect(onDealflow.stdout).toMatch(
      /Stage\s+organization\s+ranked dropdown\s+single\s+global\s+Seed, Series A, Series B/,
    );
    expect(onDealflow.stdout).not.toMatch(/Job Titles|Round/);

    const unknown = await cli('workspace', 'fields', '--list', 'Dealflw');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown list "Dealflw"; did you mean "Dealflow"?');
    const mismatch = await cli('workspace', 'fields', '--list', SEED.deals, '--entity', 'person');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('list "Investor Deals" holds opportunity records, not person records');
  });
});

describe('destination command', () => {
  it('changes what it is given, prints what changed, unmaps, removes, and shows policies and broken mappings', {
    timeout: 480_000,
  }, async () => {
    emu.seed(pushSeed);
    const cli = setup('destination');
    const created = await cli(
      'destination',
      'set',
      'company',
      '--record-type',
      'organization',
      '--map',
      'website=Website',
      '--map',
      'stage=Stage',
      '--map',
      'tags=Tags',
      '--policy',
      'tags=add-only',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^destination created in workspace .+ at ${emu.url}`));
    expect(created.stdout).toMatch(/\+ tags → "Tags" #\d+ · add-only\n/);

    const added = await cli(
      'destination',
      'set',
      'company',
      '--map',
      'headcount=Number of Employees',
      '--json',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({
      ok: true,
      changes: {
        created: false,
        settings: [],
        mappings: { added: [{ source: 'headcount' }], changed: [], removed: [] },
      },
      destination: { recordType: 'organization' },
    });
    expect((added.json as { destination: { mappings: unknown[] } }).destination.mappings).toHaveLength(4);

    const mode = await cli(
      'destination',
      'set',
      'company',
      '--mode',
      'update-only',
      '--policy',
      'website=overwrite',
      '--list',
      SEED.dealflow,
    );
    expect(mode.code, mode.stderr).toBe(0);
    expect(mode.stdout).toContain('mode: create-update → update-only');
    expect(mode.stdout).toContain(`list: none → ${SEED.dealflow}`);
    expect(mode.stdout).toMatch(
      /~ website → "Website" #\d+: policy keep-human-edits \(default\) → overwrite\n/,
    );
    expect(mode.stdout).toMatch(
      /headcount → "Number of Employees" #\d+ \(number\) · keep-human-edits \(default\)/,
    );

    const misspelt = await cli(
      'destination',
      'set',
      'person',
      '--record-type',
      'person',
      '--map',
      'title=Job Title',
    );
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('unknown field "Job Title" for persons; did you mean "Job Titles"?');
    const badPolicy = await cli('destination', 'set', 'company', '--policy', 'tags=overwrite', '--json');
    expect(badPolicy.code).toBe(1);
    expect(badPolicy.json).toEqual({
      ok: false,
      error: expect.stringContaining('does not fit field "Tags" (several values): use add-only, mirror'),
      problems: [expect.stringContaining('"overwrite"')],
    });

    const noList = await cli('destination', 'set', 'company', '--no-list');
    expect(noList.code, noList.stderr).toBe(0);
    expect(noList.stdout).toContain(`list: ${SEED.dealflow} → none`);
    expect(noList.stdout).toMatch(/company → organization \(match by domain, update-only\)\n/);

    const unmap = await cli('destination', 'unmap', 'company', 'stage');
    expect(unmap.code, unmap.stderr).toBe(0);
    expect(unmap.stdout).toMatch(/- stage → "Stage" #\d+/);

    // A field deleted in Affinity is marked by show.
    const client = new AffinityClient({ transport: testTransport(emu) });
    const website = (await client.fields.all({ entity_type: 1 })).find((f) => f.name === 'Website');
    await client.fields.delete(website?.id as number);
    const show = await cli('destination', 'show', 'company', '--refresh');
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(
      /! website → "Website" #\d+ \(text\) · overwrite\n\s+field "Website" #\d+ \(from website\) no longer exists in Affinity/,
    );
    expect(show.stdout).toMatch(/tags → "Tags" #\d+ \(dropdown, multiple\) · add-only\n/);
    expect(show.stdout).toContain('1 problem: pushes are refused');
    const showJson = await cli('destination', 'show', 'company', '--json');
    expect(showJson.json).toMatchObject({
      ok: true,
      checked: true,
      destinations: [
        {
          entityKind: 'company',
          problems: [expect.stringMatching(/^destination company → organization: field "Website"/)],
          mappings: expect.arrayContaining([
            expect.objectContaining({
              source: 'headcount',
              writePolicy: 'keep-human-edits',
              writePolicyIsDefault: true,
              problem: null,
            }),
          ]),
        },
      ],
    });

    const removed = await cli('destination', 'remove', 'company', '--json');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json).toMatchObject({ ok: true, destination: null, changes: { removed: true } });
    const again = await cli('destination', 'remove', 'company');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('company has no destination');
  });
});
