import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { backends } from '../store/testing.js';
import { getDestination, listDestinations, setDestination } from './destinations.js';
import { type PushFixture, pushFixture, SEED, standardMapping } from './push/test-support.js';
import { ForbiddenError, LOCAL_ADMIN } from './roles.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

describe.each(backends)('destinations on %s', (backend) => {
  let f: PushFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('saves a checked mapping and shows it; only an admin may change it', async () => {
    f = await pushFixture(emu, backend);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: standardMapping,
      list: SEED.dealflow,
    });
    expect(saved.code).toBe('saved');
    const d = await getDestination(f.t.store, f.connection.id, 'company');
    expect(d).toMatchObject({
      recordType: 'organization',
      matchRule: 'domain',
      mode: 'create-update',
      listName: SEED.dealflow,
    });
    expect(d?.mappings.map((m) => [m.source, m.fieldName, m.valueType])).toEqual([
      ['website', 'Website', 6],
      ['stage', 'Stage', 7],
      ['total_funding_usd', 'Total Funding', 3],
      ['last_funding_date', 'Last Funding Date', 4],
      ['tags', 'Tags', 2],
    ]);
    expect(d?.mappings[1]?.options?.map((o) => o.text)).toEqual(SEED.stageOptions);
    expect(await listDestinations(f.t.store, f.connection.id)).toHaveLength(1);

    await expect(
      setDestination(
        f.t.store,
        f.client,
        f.connection.id,
        { id: 'ana', role: 'member' },
        {
          entity: 'company',
          recordType: 'organization',
        },
      ),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('refuses a mapping that cannot work, naming the field and both types, and saves nothing', async () => {
    f = await pushFixture(emu, backend);
    const refused = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: ['description=Total Funding', 'tags=Single Tag', 'last_funding_date=Website', 'headcount=Nope'],
    });
    expect(refused.code).toBe('invalid');
    if (refused.code !== 'invalid') return;
    expect(refused.problems).toEqual([
      expect.stringMatching(/description \(text\) to field "Total Funding" \(number\)/),
      expect.stringMatching(/tags \(tags, several values\) to field "Single Tag" \(dropdown, one value\)/),
      expect.stringMatching(/last_funding_date \(date\) to field "Website" \(text\)/),
      expect.stringMatching(/no organization field "Nope".*--create-missing-fields.*number/),
    ]);
    expect(await getDestination(f.t.store, f.connection.id, 'company')).toBeNull();

    const wrongType = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'investor',
      recordType: 'opportunity',
    });
    expect(wrongType).toEqual({
      code: 'invalid',
      problems: [expect.stringMatching(/opportunity list: give --list/)],
    });
    const person = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'organization',
    });
    expect(person.code).toBe('invalid');
  });

  it('creates missing fields with the value type their source needs', async () => {
    f = await pushFixture(emu, backend);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: ['headcount=Headcount', 'industries=Industries (ours)', 'hq_location=HQ'],
      createMissingFields: true,
    });
    expect(saved.code).toBe('saved');
    if (saved.code !== 'saved') return;
    expect(saved.createdFields.map((c) => [c.name, c.valueType])).toEqual([
      ['Headcount', 'number'],
      ['Industries (ours)', 'dropdown'],
      ['HQ', 'location'],
    ]);
    const fields = await f.client.fields.all({ entity_type: 1 });
    const industries = fields.find((x) => x.name === 'Industries (ours)');
    expect(industries).toMatchObject({ value_type: 2, allows_multiple: true, list_id: null });
    expect(fields.find((x) => x.name === 'Headcount')?.value_type).toBe(3);
  });
});
