import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { backends } from '../store/testing.js';
import { emulatorCalls, type PushFixture, pushFixture, SEED } from './push/test-support.js';
import { invalidateWorkspace, workspaceFields, workspaceLists } from './workspace.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'empty' });
});
afterAll(async () => {
  await emu.close();
});

describe.each(backends)('workspace cache on %s', (backend) => {
  let f: PushFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('reads lists and fields once per TTL; maxAgeMs 0 and invalidation read again', async () => {
    f = await pushFixture(emu, backend);
    emu.resetStats();
    const lists = await workspaceLists(f.t.store, f.client, f.connection.id);
    expect(lists.map((l) => [l.name, l.type, l.size, l.public])).toEqual([
      [SEED.dealflow, 'organization', 0, true],
      [SEED.deals, 'opportunity', 0, true],
    ]);
    expect(lists[0]?.owner?.id).toEqual(expect.any(Number));
    const fields = await workspaceFields(f.t.store, f.client, f.connection.id);
    expect(fields.find((x) => x.name === 'Stage')).toMatchObject({ value_type: 7, allows_multiple: false });
    expect(emulatorCalls(emu).reads).toBe(4);

    // Within the TTL: no call at all.
    expect(await workspaceLists(f.t.store, f.client, f.connection.id)).toEqual(lists);
    expect(await workspaceFields(f.t.store, f.client, f.connection.id)).toEqual(fields);
    expect(emulatorCalls(emu).reads).toBe(4);

    // A field created behind our back is seen only by a forced read.
    await f.client.fields.create({ name: 'Headcount', entity_type: 1, value_type: 3 });
    expect((await workspaceFields(f.t.store, f.client, f.connection.id)).map((x) => x.name)).not.toContain(
      'Headcount',
    );
    const fresh = await workspaceFields(f.t.store, f.client, f.connection.id, { maxAgeMs: 0 });
    expect(fresh.map((x) => x.name)).toContain('Headcount');
    // …and the forced read refreshed the cache for the next caller.
    expect((await workspaceFields(f.t.store, f.client, f.connection.id)).map((x) => x.name)).toContain(
      'Headcount',
    );
    emu.resetStats();

    await invalidateWorkspace(f.t.store, f.connection.id);
    await workspaceLists(f.t.store, f.client, f.connection.id);
    await workspaceFields(f.t.store, f.client, f.connection.id);
    expect(emulatorCalls(emu).reads).toBe(4);
  });
});
