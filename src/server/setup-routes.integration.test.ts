import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';

/**
 * The setup screens' API over real HTTP against the emulator: connecting Affinity (verify, connect,
 * status, disconnect — the key never comes back, only its hint), the workspace's lists and fields,
 * and destinations (a wrong type refused with its reason, checking without saving).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ connect: false });
});
afterAll(async () => {
  await server?.close();
});

interface ErrorJson {
  error: {
    code: string;
    message: string;
    details?: { problems?: string[]; issues?: Array<{ field: string; message: string }> };
  };
}

describe('connection', () => {
  it('verifies a key without saving it, connects, shows only the hint, and disconnects', async () => {
    const key = server.emulator.apiKey;
    const baseUrl = server.emulator.url;

    const refused = await server.fetch<ErrorJson>('/api/connection/verify', {
      method: 'POST',
      body: { apiKey: 'not-the-key', baseUrl },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toBe(`Affinity refused the API key (401) at ${baseUrl}`);
    expect(refused.json.error.details?.issues).toEqual([
      { field: 'apiKey', message: 'Affinity refused this key' },
    ]);

    const verified = await server.fetch<{
      baseUrl: string;
      apiKeyHint: string;
      tenant: { name: string };
      user: { email: string };
      permissions: string[];
    }>('/api/connection/verify', { method: 'POST', body: { apiKey: key, baseUrl } });
    expect(verified.status).toBe(200);
    expect(verified.json.baseUrl).toBe(baseUrl);
    expect(verified.json.tenant.name).toBeTruthy();
    expect(verified.json.user.email).toContain('@');
    expect(verified.json.apiKeyHint).toBe(`••••••${key.slice(-4)}`);
    expect(verified.json.permissions.length).toBeGreaterThan(2);
    expect(verified.text).not.toContain(key);
    // Verifying saved nothing.
    const before = await server.fetch<{ connected: boolean }>('/api/connection');
    expect(before.json).toMatchObject({ connected: false, connection: null });

    const connected = await server.fetch<{ connection: { connectedBy: string; apiKeyHint: string } }>(
      '/api/connection',
      { method: 'POST', body: { apiKey: key, baseUrl } },
    );
    expect(connected.status).toBe(200);
    expect(connected.json.connection.connectedBy).toBe(server.admin.email);
    expect(connected.text).not.toContain(key);

    const status = await server.fetch<{
      connected: boolean;
      workspace: { tenantName: string; baseUrl: string };
      connection: Record<string, unknown>;
      permissions: string[];
    }>('/api/connection', { token: server.member.token });
    expect(status.status).toBe(200);
    expect(status.json.connected).toBe(true);
    expect(status.json.workspace).toEqual({
      connection: 'default',
      tenantName: verified.json.tenant.name,
      baseUrl,
    });
    expect(status.json.connection).toMatchObject({
      apiKeyHint: `••••••${key.slice(-4)}`,
      connectedBy: server.admin.email,
      affinityUserEmail: verified.json.user.email,
      verifiedAt: expect.any(String),
    });
    expect(status.json.permissions).toEqual(verified.json.permissions);
    expect(status.text).not.toContain(key);
    expect(Object.keys(status.json.connection)).not.toContain('apiKey');

    const gone = await server.fetch('/api/connection', { method: 'DELETE' });
    expect(gone.json).toEqual({ name: 'default', removed: true });
    const after = await server.fetch('/api/connection');
    expect(after.json).toMatchObject({ connected: false });
    const again = await server.fetch('/api/connection', { method: 'DELETE' });
    expect(again.json).toEqual({ name: 'default', removed: false });
  });

  it('takes a signed-in session too, whose writes must carry the CSRF header', async () => {
    const login = await server.fetch<{ csrfToken: string }>('/api/auth/login', {
      method: 'POST',
      token: null,
      body: { email: server.admin.email, password: server.admin.password },
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^affinity_sync_session=/);
    const read = await server.fetch('/api/connection', { token: null, headers: { cookie } });
    expect(read.status).toBe(200);
    const forged = await server.fetch<ErrorJson>('/api/destinations/person', {
      method: 'PATCH',
      token: null,
      headers: { cookie },
      body: {},
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error.code).toBe('csrf');
    const real = await server.fetch<ErrorJson>('/api/connection', {
      method: 'DELETE',
      token: null,
      headers: { cookie, 'x-csrf-token': login.json.csrfToken },
    });
    expect(real.status).toBe(200);
  });

  it('answers 409 not_connected where a connection is needed', async () => {
    const res = await server.fetch<ErrorJson>('/api/workspace/lists');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('not_connected');
  });
});

describe('workspace and destinations', () => {
  beforeAll(async () => {
    const res = await server.fetch('/api/connection', {
      method: 'POST',
      body: { apiKey: server.emulator.apiKey, baseUrl: server.emulator.url },
    });
    expect(res.status).toBe(200);
  });

  it('lists the lists with their sizes and the fields with their value types, per list or global', async () => {
    const lists = await server.fetch<{
      lists: Array<{ id: number; name: string; type: string; size: number }>;
    }>('/api/workspace/lists', { token: server.member.token });
    expect(lists.status).toBe(200);
    const dealFlow = lists.json.lists.find((l) => l.name === 'Deal Flow');
    expect(dealFlow).toMatchObject({ type: 'organization', size: expect.any(Number) });
    expect(dealFlow?.size).toBeGreaterThan(0);

    const all = await server.fetch<{
      fields: Array<{ name: string; valueType: string; entityType: string; list: unknown }>;
    }>('/api/workspace/fields?entity=organization');
    expect(all.status).toBe(200);
    expect(all.json.fields).toContainEqual(
      expect.objectContaining({ name: 'Website', valueType: 'text', entityType: 'organization', list: null }),
    );
    expect(all.json.fields.every((f) => f.entityType === 'organization')).toBe(true);

    const onList = await server.fetch<{
      list: { name: string };
      fields: Array<{ name: string; list: unknown }>;
    }>('/api/workspace/fields?list=Deal%20Flow');
    expect(onList.status).toBe(200);
    expect(onList.json.list.name).toBe('Deal Flow');
    expect(onList.json.fields).toContainEqual(
      expect.objectContaining({ name: 'Priority', list: { id: dealFlow?.id, name: 'Deal Flow' } }),
    );
    expect(onList.json.fields.some((f) => f.name === 'Check Size')).toBe(false);

    const unknown = await server.fetch<ErrorJson>('/api/workspace/fields?list=Deal%20Flw');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toContain('did you mean "Deal Flow"?');
    expect(unknown.json.error.details?.issues?.[0]?.field).toBe('list');

    const badEntity = await server.fetch<ErrorJson>('/api/workspace/fields?entity=planet');
    expect(badEntity.status).toBe(400);
    expect(badEntity.json.error.details?.issues?.[0]?.field).toBe('entity');
  });

  it('refuses a mapping of the wrong type with the reason, and checks a change without saving it', async () => {
    const wrong = await server.fetch<ErrorJson>('/api/destinations/company', {
      method: 'PUT',
      body: {
        recordType: 'organization',
        mappings: [
          { source: 'website', field: 'Website' },
          { source: 'headcount', field: 'Website' },
        ],
      },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('bad_request');
    expect(wrong.json.error.message).toContain(
      'cannot map headcount (number) to field "Website" (text): a number needs a number field',
    );
    expect(wrong.json.error.details?.issues).toContainEqual({
      field: 'mappings.1',
      message: expect.stringContaining('cannot map headcount'),
    });
    // Refused as a whole: nothing saved.
    const none = await server.fetch<ErrorJson>('/api/destinations/company');
    expect(none.status).toBe(404);

    const check = await server.fetch<{
      valid: boolean;
      problems: string[];
      issues: Array<{ field: string; message: string }>;
      changes: unknown;
    }>('/api/destinations/company/check', {
      method: 'POST',
      token: server.member.token,
      body: {
        recordType: 'organization',
        mappings: [
          { source: 'website', field: 'Website' },
          { source: 'headcount', field: 'Website' },
          { source: 'tags', field: 'Sector Tags', policy: 'overwrite' },
        ],
      },
    });
    expect(check.status).toBe(200);
    expect(check.json.valid).toBe(false);
    expect(check.json.changes).toBeNull();
    expect(check.json.issues.map((i) => i.field).sort()).toEqual(['mappings.1', 'mappings.2']);
    expect(check.json.issues.find((i) => i.field === 'mappings.2')?.message).toContain(
      'does not fit field "Sector Tags" (several values): use add-only, mirror',
    );

    const good = {
      recordType: 'organization',
      mappings: [
        { source: 'website', field: 'Website' },
        { source: 'headcount', field: 'Number of Employees' },
        { source: 'tags', field: 'Sector Tags', policy: 'add-only' },
        { source: 'hq_city', field: 'HQ City Name' },
      ],
      createMissingFields: true,
    };
    const fieldsBefore = server.emulator.exportState();
    const valid = await server.fetch<{
      valid: boolean;
      changes: { created: boolean; mappings: { added: Array<{ source: string }> } };
      fieldsToCreate: Array<{ name: string; valueType: string }>;
    }>('/api/destinations/company/check', { method: 'POST', body: good });
    expect(valid.status).toBe(200);
    expect(valid.json.valid).toBe(true);
    expect(valid.json.changes.created).toBe(true);
    expect(valid.json.changes.mappings.added.map((m) => m.source)).toEqual(['website', 'headcount', 'tags']);
    expect(valid.json.fieldsToCreate).toEqual([
      { source: 'hq_city', name: 'HQ City Name', valueType: 'text' },
    ]);
    // The check created no field and saved no destination.
    expect(server.emulator.exportState()).toEqual(fieldsBefore);
    expect((await server.fetch('/api/destinations/company')).status).toBe(404);

    const saved = await server.fetch<{
      destination: { mappings: Array<{ source: string; fieldName: string }> };
      changes: { created: boolean };
      createdFields: Array<{ name: string }>;
    }>('/api/destinations/company', { method: 'PUT', body: good });
    expect(saved.status).toBe(200);
    expect(saved.json.changes.created).toBe(true);
    expect(saved.json.createdFields.map((f) => f.name)).toEqual(['HQ City Name']);
    expect(saved.json.destination.mappings.map((m) => m.source)).toEqual([
      'website',
      'headcount',
      'tags',
      'hq_city',
    ]);
  });

  it('changes, reads, unmaps and removes a destination; a member may read but not change', async () => {
    const patch = await server.fetch<{ changes: { settings: Array<{ setting: string; to: string }> } }>(
      '/api/destinations/company',
      { method: 'PATCH', body: { mode: 'update-only', list: 'Deal Flow' } },
    );
    expect(patch.status, patch.text).toBe(200);
    expect(patch.json.changes.settings).toEqual([
      { setting: 'mode', from: 'create-update', to: 'update-only' },
      { setting: 'list', from: null, to: 'Deal Flow' },
    ]);

    const one = await server.fetch<{
      destination: {
        mode: string;
        listName: string;
        mappings: Array<{
          source: string;
          writePolicy: string;
          writePolicyIsDefault: boolean;
          problem: null;
        }>;
        problems: string[];
      };
      sources: Record<string, unknown[]>;
    }>('/api/destinations/company', { token: server.member.token });
    expect(one.status).toBe(200);
    expect(one.json.destination).toMatchObject({ mode: 'update-only', listName: 'Deal Flow', problems: [] });
    expect(one.json.destination.mappings.find((m) => m.source === 'tags')).toMatchObject({
      writePolicy: 'add-only',
      writePolicyIsDefault: false,
      problem: null,
    });
    expect(Object.keys(one.json.sources)).toEqual(['company']);

    const memberPatch = await server.fetch<ErrorJson>('/api/destinations/company', {
      method: 'PATCH',
      token: server.member.token,
      body: { mode: 'create-update' },
    });
    expect(memberPatch.status).toBe(403);

    const unmap = await server.fetch<{ changes: { mappings: { removed: Array<{ source: string }> } } }>(
      '/api/destinations/company/unmap',
      { method: 'POST', body: { sources: ['hq_city'] } },
    );
    expect(unmap.status).toBe(200);
    expect(unmap.json.changes.mappings.removed.map((m) => m.source)).toEqual(['hq_city']);
    const badUnmap = await server.fetch<ErrorJson>('/api/destinations/company/unmap', {
      method: 'POST',
      body: { sources: ['websit'] },
    });
    expect(badUnmap.status).toBe(400);
    expect(badUnmap.json.error.message).toContain('did you mean "website"?');

    // PUT replaces: what it does not name is not kept.
    const replaced = await server.fetch<{
      destination: { mode: string; listId: null; mappings: Array<{ source: string }> };
    }>('/api/destinations/company', {
      method: 'PUT',
      body: { recordType: 'organization', mappings: [{ source: 'website', field: 'Website' }] },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.destination).toMatchObject({ mode: 'create-update', listId: null });
    expect(replaced.json.destination.mappings.map((m) => m.source)).toEqual(['website']);

    const all = await server.fetch<{ destinations: Array<{ entityKind: string }>; checked: boolean }>(
      '/api/destinations',
    );
    expect(all.json.checked).toBe(true);
    expect(all.json.destinations.map((d) => d.entityKind)).toEqual(['company']);

    const removed = await server.fetch<{ removed: { entityKind: string }; changes: { removed: boolean } }>(
      '/api/destinations/company',
      { method: 'DELETE' },
    );
    expect(removed.status).toBe(200);
    expect(removed.json).toMatchObject({ removed: { entityKind: 'company' }, changes: { removed: true } });
    const twice = await server.fetch<ErrorJson>('/api/destinations/company', { method: 'DELETE' });
    expect(twice.status).toBe(404);
    expect(twice.json.error.message).toBe('remove refused: company has no destination');

    const badEntity = await server.fetch<ErrorJson>('/api/destinations/planet');
    expect(badEntity.status).toBe(400);
    expect(badEntity.json.error.details?.issues?.[0]?.field).toBe('entity');
  });
});
