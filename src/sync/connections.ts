import { eq, sql } from 'drizzle-orm';
import {
  AffinityClient,
  type ClientEvent,
  createTransport,
  type HttpTransport,
  type TransportOptions,
} from '../affinity/index.js';
import { type Config, configSource } from '../config/index.js';
import { createLogger, type Logger } from '../logging/index.js';
import type { Store } from '../store/index.js';
import { syncConnections } from '../store/index.js';
import { quotaOf, recordQuota, trackQuota } from './quota.js';
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
  constructor(name = 'default', baseUrl?: string) {
    const flags = `${name === 'default' ? '' : ` --connection ${name}`}${baseUrl ? ` --base-url ${baseUrl}` : ''}`;
    super(
      name === 'default'
        ? `not connected to Affinity: run \`affinity-sync connect${flags} --api-key -\` or set AFFINITY_API_KEY`
        : `no connection named '${name}': run \`affinity-sync connect${flags} --api-key -\` or set AFFINITY_API_KEY`,
    );
    this.name = 'NotConnectedError';
  }
}

/**
 * A base URL was named (flag or environment) that is not the stored connection's, and no key was
 * given for it. Nothing is sent anywhere: writing to the stored URL would write to a workspace the
 * user did not name, and the named URL has no verified key.
 */
export class BaseUrlMismatchError extends Error {
  constructor(
    readonly connectionName: string,
    readonly storedUrl: string,
    readonly namedUrl: string,
    namedBy: string,
  ) {
    const flag = connectionName === 'default' ? '' : ` --connection ${connectionName}`;
    super(
      `the stored connection '${connectionName}' is for ${storedUrl} but ${namedBy} names ${namedUrl}: ` +
        `run \`affinity-sync connect${flag} --base-url ${namedUrl} --api-key -\` to connect it (or set AFFINITY_API_KEY), ` +
        `or pass --connection NAME to use another stored connection`,
    );
    this.name = 'BaseUrlMismatchError';
  }
}

/**
 * A key verified for one workspace would replace a connection that holds another workspace's
 * links, so pushes would update the wrong records. Refused; a second connection name keeps both.
 */
export class WorkspaceChangedError extends Error {
  constructor(
    name: string,
    stored: { tenantName: string | null; baseUrl: string },
    other: { tenantName: string; baseUrl: string },
  ) {
    super(
      `the connection '${name}' is for workspace ${stored.tenantName ?? '?'} at ${stored.baseUrl}, but the key is for workspace ${other.tenantName} at ${other.baseUrl}: ` +
        `connect it under another name (\`--connection NAME\`), or forget the old one first (\`affinity-sync connect${name === 'default' ? '' : ` --connection ${name}`} --remove\`, which drops its links)`,
    );
    this.name = 'WorkspaceChangedError';
  }
}

/** Which workspace a command used, for `--json` documents. */
export interface WorkspaceInfo {
  connection: string;
  tenantName: string | null;
  baseUrl: string;
}

/** The workspace a connection talks to: its name, tenant name and base URL. */
export function workspaceOf(
  connection: Pick<ConnectionInfo, 'name' | 'tenantName' | 'baseUrl'>,
): WorkspaceInfo {
  return { connection: connection.name, tenantName: connection.tenantName, baseUrl: connection.baseUrl };
}

/** "workspace Acme at https://api.affinity.co", so every command says where it read or wrote. */
export function describeWorkspace(
  connection: Pick<ConnectionInfo, 'name' | 'tenantName' | 'baseUrl'>,
): string {
  const named = connection.name === 'default' ? '' : ` (connection ${connection.name})`;
  return `workspace ${connection.tenantName ?? '?'} at ${connection.baseUrl}${named}`;
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
  const name = options.name ?? 'default';
  const [existing] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  if (existing && existing.tenantId !== null && existing.tenantId !== me.tenant.id) {
    throw new WorkspaceChangedError(name, existing, { tenantName: me.tenant.name, baseUrl });
  }
  const values = {
    name,
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
  const quota = quotaOf(transport);
  if (quota) await recordQuota(store, row!.id, quota);
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

export interface OpenConnectionOptions {
  /** Connection name; default `config.connection` (`--connection`, else `default`). */
  name?: string;
  actor?: Actor;
  transport?: Partial<TransportOptions>;
  /** Where each Affinity request is logged at `debug`; default a stderr logger at `config.logLevel`. */
  logger?: Logger;
}

/**
 * A client for the stored connection, built with the configured rate and concurrency. It never
 * sends a request to a URL the user did not name:
 * - a base URL named by flag or environment that differs from the stored connection's is refused
 *   ({@link BaseUrlMismatchError}, naming both), unless a key is given too;
 * - a key given by `AFFINITY_API_KEY` is verified (whoami) against the named URL, else the stored
 *   connection's, else production, and stored under the connection's name before use — refused if
 *   the stored connection belongs to another workspace ({@link WorkspaceChangedError}).
 */
export async function openConnectionClient(
  store: Store,
  box: SecretBox,
  config: Config,
  options: OpenConnectionOptions = {},
): Promise<{ connection: ConnectionInfo; client: AffinityClient; transport: HttpTransport }> {
  const name = options.name ?? config.connection;
  const logger = options.logger ?? createLogger(config.logLevel);
  const transportOptions: Partial<TransportOptions> = {
    ratePerMinute: config.affinityRatePerMinute,
    maxConcurrent: config.affinityMaxConcurrent,
    timeoutMs: config.affinityTimeoutMs,
    ...options.transport,
  };
  let [row] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
  const keyGiven = config.affinityApiKey;
  const namedUrl =
    config.affinityBaseUrl === undefined ? undefined : normaliseBaseUrl(config.affinityBaseUrl);
  if (keyGiven !== undefined) {
    const url = namedUrl ?? row?.baseUrl ?? AFFINITY_API_URL;
    if (!row || box.open(row.apiKeySealed) !== keyGiven || row.baseUrl !== url) {
      await connect(store, box, {
        apiKey: keyGiven,
        baseUrl: url,
        auth: config.affinityAuth,
        actor: options.actor ?? { id: 'environment', role: 'admin' },
        name,
        transport: { ...transportOptions, onEvent: requestLogger(logger, url) },
      });
      [row] = await store.db.select().from(syncConnections).where(eq(syncConnections.name, name));
    }
  }
  if (!row) throw new NotConnectedError(name, namedUrl);
  if (namedUrl !== undefined && namedUrl !== row.baseUrl) {
    throw new BaseUrlMismatchError(
      name,
      row.baseUrl,
      namedUrl,
      configSource(config, 'affinityBaseUrl') ?? 'the configuration',
    );
  }
  const transport = createTransport({
    ...transportOptions,
    apiKey: box.open(row.apiKeySealed),
    baseUrl: row.baseUrl,
    auth: row.authScheme === 'bearer' ? 'bearer' : 'basic',
  });
  transport.on(requestLogger(logger, row.baseUrl));
  trackQuota(store, row.id, transport);
  return { connection: toInfo(row), client: new AffinityClient({ transport }), transport };
}

/**
 * Logs each Affinity request attempt at `debug` (method, route template, status — null with an
 * `error` when no answer came — duration, attempt), and retries and 429 waits at `debug` too. Only the route template is logged — never the query
 * values, headers or key.
 */
export function requestLogger(logger: Logger, baseUrl: string): (e: ClientEvent) => void {
  return (e) => {
    if (!logger.isLevelEnabled('debug')) return;
    const route = e.endpoint.replace(/^[A-Z]+ /, '');
    if (e.type === 'response') {
      logger.debug(
        {
          baseUrl,
          method: e.method,
          route,
          status: e.status,
          durationMs: Math.round(e.durationMs),
          attempt: e.attempt,
        },
        'affinity request',
      );
    } else if (e.type === 'no-response') {
      logger.debug(
        {
          baseUrl,
          method: e.method,
          route,
          status: null,
          error: e.error,
          durationMs: Math.round(e.durationMs),
          attempt: e.attempt,
        },
        'affinity request',
      );
    } else if (e.type === 'retry') {
      logger.debug(
        {
          baseUrl,
          method: e.method,
          route,
          attempt: e.attempt,
          delayMs: Math.round(e.delayMs),
          reason: e.reason,
        },
        'affinity retry',
      );
    } else if (e.type === 'throttled') {
      logger.debug(
        { baseUrl, method: e.method, route, delayMs: Math.round(e.delayMs), source: e.source },
        'affinity throttled',
      );
    }
  };
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
