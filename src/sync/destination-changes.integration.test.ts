import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { backends } from '../store/testing.js';
import {
  describeChanges,
  getDestination,
  recheckDestination,
  removeDestination,
  setDestination,
  unmapDestination,
} from './destinations.js';
import { emulatorCalls, type PushFixture, pushFixture, SEED, standardMapping } from './push/test-support.js';
import { LOCAL_ADMIN } from './roles.js';
import { workspaceFields } from './workspace.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

const eight = [
  ...standardMapping,
  'description=Description',
  'founded_year=Year Founded',
  'headcount=Number of Employees',
];

/** Rewrites the emulator's fields table (a change made in Affinity behind our back). */
function editFields(fn: (f: Record<string, unknown>) => Record<string, unknown> | null): void {
  const ws = emu.exportState();
  ws.tables.fields = (ws.tables.fields as Array<Record<string, unknown>>)
    .map(fn)
    .filter((f): f is Record<string, unknown> => f !== null);
  emu.seed(ws);
}

describe.each(backends)('changing a destination on %s', (backend) => {
  let f: PushFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('changes what it is given, keeps the rest and reports what changed', async () => {
    f = await pushFixture(emu, backend);
    const set = (input: Omit<Parameters<typeof setDestination>[4], 'entity'>) =>
      setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, { entity: 'company', ...input });
    const first = await set({ recordType: 'organization', map: eight, list: SEED.dealflow });
    if (first.code !== 'saved') throw new Error(JSON.stringify(first));
    expect(first.changes.created).toBe(true);
    expect(first.changes.mappings.added.map((m) => m.source)).toEqual([
      'website',
      'stage',
      'total_funding_usd',
      'last_funding_date',
      'tags',
      'description',
      'founded_year',
      'headcount',
    ]);

    // One mapping changed: the other seven stay.
    const one = await set({ map: ['total_funding_usd=Total Funding Amount (USD)'] });
    if (one.code !== 'saved') throw new Error(JSON.stringify(one));
    expect(one.destination.mappings).toHaveLength(8);
    expect(one.destination.mappings.find((m) => m.source === 'total_funding_usd')?.fieldName).toBe(
      'Total Funding Amount (USD)',
    );
    expect(one.destination).toMatchObject({ recordType: 'organization', listName: SEED.dealflow });
    expect(one.changes).toMatchObject({
      created: false,
      settings: [],
      mappings: {
        added: [],
        removed: [],
        changed: [
          {
            source: 'total_funding_usd',
            from: { field: 'Total Funding' },
            to: { field: 'Total Funding Amount (USD)' },
          },
        ],
      },
    });

    expect(describeChanges(one.changes)).toEqual([
      expect.stringMatching(
        /^~ total_funding_usd → "Total Funding Amount \(USD\)" #\d+: field "Total Funding" #\d+ → "Total Funding Amount \(USD\)" #\d+$/,
      ),
    ]);

    // The mode alone: every mapping kept, no list change.
    const mode = await set({ mode: 'update-only' });
    if (mode.code !== 'saved') throw new Error(JSON.stringify(mode));
    expect(mode.destination.mappings.map((m) => m.fieldId)).toEqual(
      one.destination.mappings.map((m) => m.fieldId),
    );
    expect(mode.changes.settings).toEqual([{ setting: 'mode', from: 'create-update', to: 'update-only' }]);
    expect(mode.changes.mappings).toEqual({ added: [], changed: [], removed: [] });

    // The list removed, the match rule changed; then nothing at all.
    const list = await set({ list: null, match: 'name' });
    if (list.code !== 'saved') throw new Error(JSON.stringify(list));
    expect(list.changes.settings).toEqual([
      { setting: 'match', from: 'domain', to: 'name' },
      { setting: 'list', from: SEED.dealflow, to: null },
    ]);
    const same = await set({});
    if (same.code !== 'saved') throw new Error(JSON.stringify(same));
    expect(same.changes).toEqual({
      created: false,
      removed: false,
      settings: [],
      mappings: { added: [], changed: [], removed: [] },
    });
    expect(same.destination.mappings).toHaveLength(8);
  });
});

describe('destinations on pglite', () => {
  let f: PushFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('refuses close misspellings of fields, lists and data points with a suggestion, never a guess', async () => {
    f = await pushFixture(emu);
    const person = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
      map: ['title=Job Title'],
    });
    expect(person).toEqual({
      code: 'invalid',
      problems: ['unknown field "Job Title" for persons; did you mean "Job Titles"?'],
    });
    // --create-missing-fields does not create a near-twin of an existing field either.
    const create = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'person',
      recordType: 'person',
      map: ['title=Job Title'],
      createMissingFields: true,
    });
    expect(create.code === 'invalid' && create.problems[0]).toMatch(
      /^unknown field "Job Title" for persons; did you mean "Job Titles"\? \(not created/,
    );
    const company = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      list: 'Dealflw',
      map: ['webiste=Website'],
    });
    expect(company).toEqual({
      code: 'invalid',
      problems: ['unknown list "Dealflw"; did you mean "Dealflow"?'],
    });
    const source = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: ['webiste=Website', 'stage=Stges'],
    });
    expect(source).toEqual({
      code: 'invalid',
      problems: [
        'company has no data point "webiste"; did you mean "website"?',
        'unknown field "Stges" for organizations; did you mean "Stage"?',
      ],
    });
    expect(await getDestination(f.t.store, f.connection.id, 'person')).toBeNull();
    expect(await getDestination(f.t.store, f.connection.id, 'company')).toBeNull();
    expect(
      (await f.client.fields.all({ entity_type: 0 })).filter((x) => x.name === 'Job Title'),
    ).toHaveLength(0);
  });

  it('unmaps some data points and removes a destination, saying what went', async () => {
    f = await pushFixture(emu);
    await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: eight,
    });
    const unmapped = await unmapDestination(f.t.store, f.connection.id, LOCAL_ADMIN, 'company', [
      'tags',
      'stage',
    ]);
    if (unmapped.code !== 'saved') throw new Error(JSON.stringify(unmapped));
    expect(unmapped.destination.mappings).toHaveLength(6);
    expect(unmapped.changes.mappings.removed.map((m) => [m.source, m.field])).toEqual([
      ['stage', 'Stage'],
      ['tags', 'Tags'],
    ]);
    expect(await unmapDestination(f.t.store, f.connection.id, LOCAL_ADMIN, 'company', ['tag'])).toEqual({
      code: 'invalid',
      problems: [expect.stringMatching(/no mapping of "tag".*\(mapped: website, total_funding_usd/)],
    });
    expect(await unmapDestination(f.t.store, f.connection.id, LOCAL_ADMIN, 'company', ['webite'])).toEqual({
      code: 'invalid',
      problems: ['company has no mapping of "webite"; did you mean "website"?'],
    });

    const removed = await removeDestination(f.t.store, f.connection.id, LOCAL_ADMIN, 'company');
    if (removed.code !== 'removed') throw new Error(JSON.stringify(removed));
    expect(removed.changes.removed).toBe(true);
    expect(removed.changes.mappings.removed).toHaveLength(6);
    expect(await getDestination(f.t.store, f.connection.id, 'company')).toBeNull();
    expect(await removeDestination(f.t.store, f.connection.id, LOCAL_ADMIN, 'company')).toEqual({
      code: 'not-found',
      message: 'company has no destination',
    });
  });

  it('stores write policies that fit the field, refusing the others by name', async () => {
    f = await pushFixture(emu);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: standardMapping,
      policy: ['tags=add-only', 'website=overwrite', 'stage=fill-blanks'],
    });
    if (saved.code !== 'saved') throw new Error(JSON.stringify(saved));
    const policies = () =>
      getDestination(f.t.store, f.connection.id, 'company').then((d) =>
        Object.fromEntries((d?.mappings ?? []).map((m) => [m.source, m.policy ?? null])),
      );
    expect(await policies()).toEqual({
      website: 'overwrite',
      stage: 'fill-blanks',
      total_funding_usd: null,
      last_funding_date: null,
      tags: 'add-only',
    });
    expect(saved.changes.mappings.added.find((m) => m.source === 'total_funding_usd')).toMatchObject({
      policy: 'keep-human-edits',
      defaultPolicy: true,
    });

    const refused = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      policy: ['tags=overwrite', 'website=mirror', 'headcount=overwrite', 'stage=sometimes'],
    });
    expect(refused).toEqual({
      code: 'invalid',
      problems: [
        'write policy "overwrite" does not fit field "Tags" (several values): use add-only, mirror',
        'write policy "mirror" does not fit field "Website" (one value): use overwrite, fill-blanks, keep-human-edits',
        'headcount is not mapped: map it with --map headcount=FIELD before giving its policy',
        'unknown write policy "sometimes" does not fit field "Stage" (one value): use overwrite, fill-blanks, keep-human-edits',
      ],
    });

    // A policy with its mapping in one change; `default` returns one to its default.
    const more = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      map: ['headcount=Number of Employees'],
      policy: ['headcount=fill-blanks', 'website=default'],
    });
    if (more.code !== 'saved') throw new Error(JSON.stringify(more));
    expect(await policies()).toMatchObject({ website: null, headcount: 'fill-blanks', tags: 'add-only' });
    expect(describeChanges(more.changes)).toEqual([
      expect.stringMatching(/^\+ headcount → "Number of Employees" #\d+ · fill-blanks$/),
      expect.stringMatching(/^~ website → "Website" #\d+: policy overwrite → keep-human-edits \(default\)$/),
    ]);
    expect(more.changes.mappings.changed).toEqual([
      {
        source: 'website',
        from: expect.objectContaining({ policy: 'overwrite', defaultPolicy: false }),
        to: expect.objectContaining({ policy: 'keep-human-edits', defaultPolicy: true }),
      },
    ]);
  });

  it('creates a missing field with its policy, and the workspace cache then knows the field', async () => {
    f = await pushFixture(emu);
    expect((await workspaceFields(f.t.store, f.client, f.connection.id)).map((x) => x.name)).not.toContain(
      'Industries (ours)',
    );
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: ['industries=Industries (ours)'],
      policy: ['industries=add-only'],
      createMissingFields: true,
    });
    if (saved.code !== 'saved') throw new Error(JSON.stringify(saved));
    expect(saved.destination.mappings).toEqual([
      expect.objectContaining({ source: 'industries', fieldName: 'Industries (ours)', policy: 'add-only' }),
    ]);
    emu.resetStats();
    const fields = await workspaceFields(f.t.store, f.client, f.connection.id);
    expect(fields.find((x) => x.name === 'Industries (ours)')).toMatchObject({ allows_multiple: true });
    expect(emulatorCalls(emu).reads).toBe(3);
  });

  it('re-checks a saved destination against the live workspace: deleted, retyped, multiplicity, list gone', async () => {
    f = await pushFixture(emu);
    const saved = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      recordType: 'organization',
      map: standardMapping,
      list: SEED.dealflow,
    });
    if (saved.code !== 'saved') throw new Error(JSON.stringify(saved));
    const d = saved.destination;
    expect(await recheckDestination(f.t.store, f.client, d, { maxAgeMs: 0 })).toEqual([]);
    // Fresh cache: the re-check costs no call.
    emu.resetStats();
    expect(await recheckDestination(f.t.store, f.client, d)).toEqual([]);
    expect(emulatorCalls(emu).total).toBe(0);

    const website = d.mappings.find((m) => m.source === 'website')?.fieldId as number;
    await f.client.fields.delete(website);
    expect(await recheckDestination(f.t.store, f.client, d, { maxAgeMs: 0 })).toEqual([
      `destination company → organization: field "Website" #${website} (from website) no longer exists in Affinity`,
    ]);

    editFields((x) =>
      x.name === 'Total Funding'
        ? { ...x, value_type: 6 }
        : x.name === 'Tags'
          ? { ...x, allows_multiple: false }
          : x,
    );
    const problems = await recheckDestination(f.t.store, f.client, d, { maxAgeMs: 0 });
    expect(problems).toEqual([
      expect.stringMatching(
        /^destination company → organization: field "Website" #\d+ \(from website\) no longer/,
      ),
      expect.stringMatching(
        /^destination company → organization: field "Total Funding" #\d+ \(from total_funding_usd\) is now a text field in Affinity, was a number$/,
      ),
      expect.stringMatching(
        /^destination company → organization: field "Tags" #\d+ \(from tags\) now takes one value in Affinity, was several$/,
      ),
    ]);

    // A change to the destination names the broken kept mapping instead of saving it.
    const mode = await setDestination(f.t.store, f.client, f.connection.id, LOCAL_ADMIN, {
      entity: 'company',
      mode: 'update-only',
    });
    expect(mode.code === 'invalid' && mode.problems[0]).toMatch(
      /^field "Website" #\d+ \(from website\) no longer exists in Affinity: map website again or unmap it$/,
    );

    // The list goes: the destination names it.
    const ws = emu.exportState();
    ws.tables.lists = (ws.tables.lists as Array<{ name: string }>).filter((l) => l.name !== SEED.dealflow);
    emu.seed(ws);
    expect(await recheckDestination(f.t.store, f.client, d, { maxAgeMs: 0 })).toContain(
      `destination company → organization: its list "${SEED.dealflow}" #${d.listId} no longer exists in Affinity`,
    );
  });
});
