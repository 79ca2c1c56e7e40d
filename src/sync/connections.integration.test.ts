import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AffinityAuthError } from '../affinity/index.js';
import { loadConfig } from '../config/index.js';
import { type RunningEmulator, startEmulator } from '../emulator/index.js';
import { syncConnections } from '../store/index.js';
import { backends, openTestStore, type TestStore } from '../store/testing.js';
import {
  BaseUrlMismatchError,
  connect,
  describeWorkspace,
  disconnect,
  getConnection,
  NotConnectedError,
  openConnectionClient,
  WorkspaceChangedError,
  workspaceOf,
} from './connections.js';
import { ForbiddenError, LOCAL_ADMIN } from './roles.js';
import { SecretBox } from './secret-box.js';

const box = SecretBox.fromSecret('connections test master secret');
let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    seed: 'empty',
    apiKeys: ['key-of-the-owner-0001', 'key-of-a-second-user-02'],
  });
});
afterAll(async () => {
  await emu.close();
});

describe.each(backends)('connections on %s', (backend) => {
  let t: TestStore;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('verifies the key with whoami and stores it sealed, showing only a hint', async () => {
    t = await openTestStore(backend);
    const { connection, permissions } = await connect(t.store, box, {
      apiKey: 'key-of-the-owner-0001',
      baseUrl: `${emu.url}/`,
      actor: LOCAL_ADMIN,
    });
    expect(connection).toMatchObject({
      name: 'default',
      baseUrl: emu.url,
      apiKeyHint: '••••••0001',
      connectedBy: 'local-admin',
    });
    expect(connection.tenantName).toBeTruthy();
    expect(connection.affinityUserEmail).toContain('@');
    expect(permissions.join(' ')).toMatch(/create and update/);
    const [row] = await t.store.db.select().from(syncConnections);
    expect(row?.apiKeySealed).not.toContain('key-of-the-owner');
    expect(box.open(row!.apiKeySealed)).toBe('key-of-the-owner-0001');
    expect(JSON.stringify(connection)).not.toContain('key-of-the-owner');
  });

  it('stores nothing when Affinity refuses the key, and only admins may connect', async () => {
    t = await openTestStore(backend);
    await expect(
      connect(t.store, box, { apiKey: 'wrong-key', baseUrl: emu.url, actor: LOCAL_ADMIN }),
    ).rejects.toBeInstanceOf(AffinityAuthError);
    await expect(
      connect(t.store, box, {
        apiKey: 'key-of-the-owner-0001',
        baseUrl: emu.url,
        actor: { id: 'ann', role: 'member' },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await getConnection(t.store)).toBeNull();
  });

  it('reconnecting replaces the stored key; disconnect forgets it', async () => {
    t = await openTestStore(backend);
    await connect(t.store, box, { apiKey: 'key-of-the-owner-0001', baseUrl: emu.url, actor: LOCAL_ADMIN });
    const second = await connect(t.store, box, {
      apiKey: 'key-of-a-second-user-02',
      baseUrl: emu.url,
      actor: LOCAL_ADMIN,
    });
    expect(second.connection.apiKeyHint).toBe('••••••r-02');
    expect(await t.store.db.select().from(syncConnections)).toHaveLength(1);
    expect(await disconnect(t.store, LOCAL_ADMIN)).toBe(true);
    expect(await getConnection(t.store)).toBeNull();
  });

  it('opens a client for the stored connection, or from AFFINITY_API_KEY, or says how to connect', async () => {
    t = await openTestStore(backend);
    const bare = loadConfig({});
    await expect(openConnectionClient(t.store, box, bare)).rejects.toBeInstanceOf(NotConnectedError);

    const fromEnv = loadConfig({ AFFINITY_API_KEY: 'key-of-a-second-user-02', AFFINITY_BASE_URL: emu.url });
    const opened = await openConnectionClient(t.store, box, fromEnv);
    expect(opened.connection.apiKeyHint).toBe('••••••r-02');
    const me = await opened.client.whoami.get();
    expect(me.user.id).toBe(opened.connection.affinityUserId);

    // Later runs without the variable use the stored key.
    const stored = await openConnectionClient(t.store, box, bare);
    expect((await stored.client.whoami.get()).user.id).toBe(me.user.id);
    expect(String(stored.transport)).not.toContain('key-of-a-second');
  });

  it('never opens a client for a URL other than the named one', async () => {
    t = await openTestStore(backend);
    const other = await startEmulator({ port: 0, seed: 'empty', apiKeys: ['key-of-the-other-0003'] });
    try {
      const stored = await connect(t.store, box, {
        apiKey: 'key-of-the-owner-0001',
        baseUrl: emu.url,
        actor: LOCAL_ADMIN,
      });
      expect(workspaceOf(stored.connection)).toEqual({
        connection: 'default',
        tenantName: stored.connection.tenantName,
        baseUrl: emu.url,
      });
      expect(describeWorkspace(stored.connection)).toBe(
        `workspace ${stored.connection.tenantName} at ${emu.url}`,
      );

      emu.resetStats();
      const named = loadConfig({ AFFINITY_BASE_URL: other.url });
      const refused = await openConnectionClient(t.store, box, named).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BaseUrlMismatchError);
      expect((refused as Error).message).toContain(
        `is for ${emu.url} but AFFINITY_BASE_URL names ${other.url}`,
      );
      expect(emu.stats().total + other.stats().total).toBe(0);

      // With a key for it, the named URL is verified and used.
      const withKey = loadConfig({ AFFINITY_BASE_URL: other.url, AFFINITY_API_KEY: 'key-of-the-other-0003' });
      const opened = await openConnectionClient(t.store, box, withKey);
      expect(opened.connection.baseUrl).toBe(other.url);
      expect(emu.stats().total).toBe(0);

      // A key for another workspace never takes over a connection holding this one's links.
      const firm = await startEmulator({ port: 0, seed: 'empty', apiKeys: ['key-of-another-firm-05'] });
      try {
        const ws = firm.exportState();
        ws.tables.tenants = (ws.tables.tenants as Array<Record<string, unknown>>).map((x) => ({
          ...x,
          id: 424_242,
          name: 'Another Firm',
        }));
        firm.seed(ws);
        const firmKey = loadConfig({
          AFFINITY_BASE_URL: firm.url,
          AFFINITY_API_KEY: 'key-of-another-firm-05',
        });
        const changed = await openConnectionClient(t.store, box, firmKey).catch((e: unknown) => e);
        expect(changed).toBeInstanceOf(WorkspaceChangedError);
        expect((changed as Error).message).toMatch(/but the key is for workspace Another Firm/);
        expect((await getConnection(t.store))?.baseUrl).toBe(other.url);

        // Under its own name it is stored beside the first.
        const second = await openConnectionClient(t.store, box, { ...firmKey, connection: 'second' });
        expect(second.connection).toMatchObject({ name: 'second', tenantName: 'Another Firm' });
      } finally {
        await firm.close();
      }
      await expect(
        openConnectionClient(t.store, box, loadConfig({ AFFINITY_SYNC_CONNECTION: 'third' })),
      ).rejects.toThrow("no connection named 'third'");
    } finally {
      await other.close();
    }
  });
});
