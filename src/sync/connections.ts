import { eq, sql } from 'drizzle-orm';
import {
  AffinityClient,
  createTransport,
  type HttpTransport,
  type TransportOptions,
} from '../affinity/index.js';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { syncConnections } from '../store/index.js';
import { type Actor, requireAdmin } from './roles.js';
import { maskSecret, SecretBox } from './secret-box.js';

/** Affinity's production API. */
export const AFFINITY_API_URL = 'https://api.affinity.co';

/** What the product does in a connected workspace, shown when connecting. */
export const CONNECTION_PERMISSIONS = [
  'read your lists, list entries and fields (so it knows where to push records and what to pull)',
  'read persons, organizations and opportunities (to match records before writing)',
  'create and update persons, organizations and opportunities',
  'write field values and add records to lists you choose',
] as const;

/** A stored connection as callers may see it: never the key, only its hint. */
export interface ConnectionInfo {
  id: number;
  name: string;
  baseUrl: string;
  apiKeyHint: string;
  authScheme: 'basic' | 'bearer';
  tenantId: number | null;
  tenantName: string | null;
  affinityUserId: number | null;
  affinityUserEmail: string | null;
  connectedBy: string;
  verifiedAt: string | null;
}

export class NotConnectedError extends Error {
  constructor() {
    super('not connected to Affinity: run `affinity-sync connect --api-key KEY` or set AFFINITY_API_KEY');
    this.name = 'NotConnectedError';
  }
}

/** The box that seals stored keys: `AFFINITY_SYNC_SECRET` when set, else the data directory's key file. */
export async function secretBoxFor(config: Pick<Config, 'secret' | 'dataDir'>): Promise<SecretBox> {
  return config.secret ? SecretBox.fromSecret(config.secret) : SecretBox.fromKeyFile(config.dataDir);
}

export interface ConnectOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  auth?: 'basic' | 'bearer' | undefined;
  actor: Actor;
  /** Connection name (default `default`). */
  name?: string;
  /** Client settings (rate, concurrency, timeout) for the verification call. */
  transport?: Partial<TransportOptions>;
}

/**
 * Verifies an API key with `GET /auth/whoami`, then stores it sealed with the tenant and user it
 * belongs to (replacing the connection of the same name). Admins only. A refused key throws the
 * client's `AffinityAuthError` and stores nothing.
 */
export async function connect(
  store: Store,
  box: SecretBox,
  options: ConnectOptions,
): Promise<{ connection: ConnectionInfo; permissions: readonly string[] }> {
  requireAdmin(options.actor, 'connect Affinity');
  const baseUrl = normaliseBaseUrl(options.baseUrl ?? AFFINITY_API_URL);
  const auth = options.auth ?? 'basic';
  const transport = createTransport({ ...options.transport, apiKey: options.apiKey, baseUrl, auth });
  const me = await new AffinityClient({ transport }).whoami.get();
  const values = {
    name: options.name ?? 'default',
    baseUrl,
    apiKeySealed: box.seal(options.apiKey),
    apiKeyHint: maskSecret(options.apiKey),
    authScheme: auth,
    tenantId: me.tenant.id,
    tenantName: me.tenant.name,
    affinityUserId: me.user.id,
    affinityUserEmail: me.user.email,
    connectedBy: options.actor.id,
    verifiedAt: new Date().toISOString(),
  };
  const [row] = await store.db
    .insert(syncConnections)
    .values(values)
    .onConflictDoUpdate({ target: syncConnections.name, set: { ...values, updatedAt: sql`now()` } })
    .returning();
  return { connection: toInfo(row!), permissions: CONNECTION_PERMISSIONS };
}

/** The stored connection of that name, or null. */
export async function getConnection(store: Store, name = 'default'): Promise<ConnectionInfo | null> {
  const [row] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  return row ? toInfo(row) : null;
}

/** Removes a stored connection (its links and runs go with it or lose their reference). Admins only. */
export async function disconnect(store: Store, actor: Actor, name = 'default'): Promise<boolean> {
  requireAdmin(actor, 'disconnect Affinity');
  const rows = await store.db
    .delete(syncConnections)
    .where(eq(syncConnections.name, name))
    .returning({ id: syncConnections.id });
  return rows.length > 0;
}

/**
 * A client for the stored connection, built with the configured rate and concurrency. When
 * `AFFINITY_API_KEY` is configured and differs from the stored key (or nothing is stored), the
 * key is verified and stored first, acting as `actor`.
 */
export async function openConnectionClient(
  store: Store,
  box: SecretBox,
  config: Config,
  options: { name?: string; actor?: Actor; transport?: Partial<TransportOptions> } = {},
): Promise<{ connection: ConnectionInfo; client: AffinityClient; transport: HttpTransport }> {
  const name = options.name ?? 'default';
  const transportOptions: Partial<TransportOptions> = {
    ratePerMinute: config.affinityRatePerMinute,
    maxConcurrent: config.affinityMaxConcurrent,
    timeoutMs: config.affinityTimeoutMs,
    ...options.transport,
  };
  let [row] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  const envKey = config.affinityApiKey;
  const envUrl = normaliseBaseUrl(config.affinityBaseUrl ?? AFFINITY_API_URL);
  if (envKey !== undefined && (!row || box.open(row.apiKeySealed) !== envKey || row.baseUrl !== envUrl)) {
    await connect(store, box, {
      apiKey: envKey,
      baseUrl: envUrl,
      auth: config.affinityAuth,
      actor: options.actor ?? { id: 'environment', role: 'admin' },
      name,
      transport: transportOptions,
    });
    [row] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  }
  if (!row) throw new NotConnectedError();
  const transport = createTransport({
    ...transportOptions,
    apiKey: box.open(row.apiKeySealed),
    baseUrl: row.baseUrl,
    auth: row.authScheme === 'bearer' ? 'bearer' : 'basic',
  });
  return { connection: toInfo(row), client: new AffinityClient({ transport }), transport };
}

function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

function toInfo(row: typeof syncConnections.$inferSelect): ConnectionInfo {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.baseUrl,
    apiKeyHint: row.apiKeyHint,
    authScheme: row.authScheme === 'bearer' ? 'bearer' : 'basic',
    tenantId: row.tenantId,
    tenantName: row.tenantName,
    affinityUserId: row.affinityUserId,
    affinityUserEmail: row.affinityUserEmail,
    connectedBy: row.connectedBy,
    verifiedAt: row.verifiedAt,
  };
}
