/**
 * The Affinity connection as the doors use it: what is connected (never the key, only its hint),
 * checking a key before connecting, connecting and disconnecting (admins only).
 */
import { z } from 'zod';
import { AffinityAuthError, AffinityClient, createTransport } from '../affinity/index.js';
import {
  AFFINITY_API_URL,
  CONNECTION_PERMISSIONS,
  type ConnectionInfo,
  connect,
  disconnect,
  getConnection,
  openConnectionClient,
  secretBoxFor,
  type WorkspaceInfo,
  workspaceOf,
} from '../sync/connections.js';
import { maskSecret } from '../sync/secret-box.js';
import { type AppContext, AppError, mustBeAdmin, parseInput } from './context.js';

const connectionName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100)
  .describe('Which stored connection (default: the configured one, usually "default")');
const apiKey = z.string().trim().min(1, 'must not be empty').max(500).describe('An Affinity API key');
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(500)
  .describe("Affinity's API URL (default: the stored connection's, else https://api.affinity.co)");
const authScheme = z.enum(['basic', 'bearer']).describe('How the key is sent (default basic)');

/** The workspace a use case talked to: connection name, tenant name and base URL. */
export const workspaceInfo = z.object({
  connection: z.string(),
  tenantName: z.string().nullable(),
  baseUrl: z.string(),
});

/** A stored connection as anyone may see it: the key's hint only. */
export const connectionView = z.object({
  id: z.number().int(),
  name: z.string(),
  baseUrl: z.string(),
  apiKeyHint: z.string().describe('The last characters of the key, the rest masked'),
  authScheme: authScheme,
  tenantId: z.number().int().nullable(),
  tenantName: z.string().nullable(),
  affinityUserId: z.number().int().nullable(),
  affinityUserEmail: z.string().nullable(),
  connectedBy: z.string().describe('Who connected it (an email, or local-admin at the command line)'),
  verifiedAt: z.string().nullable(),
});

export const permissionsView = z
  .array(z.string())
  .describe('What affinity-sync does in the workspace, as a person reads it');

// ---------------------------------------------------------------------------------------------

export const connectionStatusInput = z.object({ name: connectionName.optional() });

export const connectionStatusResult = z.object({
  connected: z.boolean(),
  name: z.string(),
  workspace: workspaceInfo.nullable(),
  connection: connectionView.nullable(),
  permissions: permissionsView,
});
export type ConnectionStatus = z.infer<typeof connectionStatusResult>;

/** What is connected: the workspace, its URL, the key's hint, who connected it and when it was verified. Anyone signed in. */
export async function connectionStatus(
  ctx: AppContext,
  input: z.input<typeof connectionStatusInput> = {},
): Promise<ConnectionStatus> {
  const { name = ctx.deps.config.connection } = parseInput(connectionStatusInput, input);
  const connection = await getConnection(ctx.deps.store, name);
  return {
    connected: connection !== null,
    name,
    workspace: connection ? workspaceOf(connection) : null,
    connection,
    permissions: [...CONNECTION_PERMISSIONS],
  };
}

// ---------------------------------------------------------------------------------------------

export const verifyConnectionInput = z.object({
  apiKey,
  baseUrl: baseUrl.optional(),
  auth: authScheme.optional(),
  name: connectionName.optional(),
});

export const verifyConnectionResult = z.object({
  baseUrl: z.string(),
  apiKeyHint: z.string(),
  tenant: z.object({ id: z.number().int(), name: z.string(), subdomain: z.string() }),
  user: z.object({
    id: z.number().int(),
    email: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
  }),
  grant: z.object({ type: z.string(), scope: z.string() }),
  permissions: permissionsView,
  /** Whether connecting would replace a stored connection of another workspace (refused). */
  replacesOtherWorkspace: z.boolean(),
});
export type VerifiedKey = z.infer<typeof verifyConnectionResult>;

/**
 * Checks a key without saving anything (the connect screen's Verify step): which workspace and user
 * it opens, its grant, and what the product will do there. Admins only, since it sends the key to
 * the URL given. A key Affinity refuses is a `bad_request` naming `apiKey`.
 */
export async function verifyConnection(
  ctx: AppContext,
  input: z.input<typeof verifyConnectionInput>,
): Promise<VerifiedKey> {
  const parsed = parseInput(verifyConnectionInput, input);
  mustBeAdmin(ctx, 'connect Affinity');
  const name = parsed.name ?? ctx.deps.config.connection;
  const stored = await getConnection(ctx.deps.store, name);
  const url = targetUrl(ctx, parsed.baseUrl, stored);
  const transport = createTransport({
    apiKey: parsed.apiKey,
    baseUrl: url,
    auth: parsed.auth ?? ctx.deps.config.affinityAuth,
    timeoutMs: ctx.deps.config.affinityTimeoutMs,
    ratePerMinute: ctx.deps.config.affinityRatePerMinute,
  });
  const me = await refusedKey(url, () => new AffinityClient({ transport }).whoami.get());
  return {
    baseUrl: url,
    apiKeyHint: maskSecret(parsed.apiKey),
    tenant: { id: me.tenant.id, name: me.tenant.name, subdomain: me.tenant.subdomain },
    user: { id: me.user.id, email: me.user.email, firstName: me.user.firstName, lastName: me.user.lastName },
    grant: { type: me.grant.type, scope: me.grant.scope },
    permissions: [...CONNECTION_PERMISSIONS],
    replacesOtherWorkspace: stored !== null && stored.tenantId !== null && stored.tenantId !== me.tenant.id,
  };
}

// ---------------------------------------------------------------------------------------------

export const connectInput = verifyConnectionInput;

export const connectResult = z.object({
  workspace: workspaceInfo,
  connection: connectionView,
  permissions: permissionsView,
});
export type ConnectResult = z.infer<typeof connectResult>;

/**
 * Verifies the key (whoami) and stores it sealed, replacing the connection of that name; refused
 * when that connection holds another workspace (`conflict`). Admins only. Re-connecting stays at
 * the stored connection's URL unless another is given. The connection records who connected it.
 */
export async function connectAffinity(
  ctx: AppContext,
  input: z.input<typeof connectInput>,
): Promise<ConnectResult> {
  const parsed = parseInput(connectInput, input);
  mustBeAdmin(ctx, 'connect Affinity');
  const { config, store } = ctx.deps;
  const name = parsed.name ?? config.connection;
  const url = targetUrl(ctx, parsed.baseUrl, await getConnection(store, name));
  const { connection, permissions } = await refusedKey(url, async () =>
    connect(store, await secretBoxFor(config), {
      apiKey: parsed.apiKey,
      baseUrl: url,
      auth: parsed.auth ?? config.affinityAuth,
      actor: ctx.actor,
      name,
      transport: { ratePerMinute: config.affinityRatePerMinute, timeoutMs: config.affinityTimeoutMs },
    }),
  );
  ctx.deps.logger.info(
    { connection: name, baseUrl: url, tenant: connection.tenantName, by: ctx.actor.id },
    'Affinity connected',
  );
  return { workspace: workspaceOf(connection), connection, permissions: [...permissions] };
}

// ---------------------------------------------------------------------------------------------

export const disconnectInput = z.object({ name: connectionName.optional() });
export const disconnectResult = z.object({ name: z.string(), removed: z.boolean() });

/** Forgets a stored connection (its links and destinations go with it). Admins only. */
export async function disconnectAffinity(
  ctx: AppContext,
  input: z.input<typeof disconnectInput> = {},
): Promise<z.infer<typeof disconnectResult>> {
  const { name = ctx.deps.config.connection } = parseInput(disconnectInput, input);
  mustBeAdmin(ctx, 'disconnect Affinity');
  const removed = await disconnect(ctx.deps.store, ctx.actor, name);
  if (removed) ctx.deps.logger.info({ connection: name, by: ctx.actor.id }, 'Affinity disconnected');
  return { name, removed };
}

// ---------------------------------------------------------------------------------------------

/**
 * The stored connection and a client for it, for use cases that talk to Affinity. Never sends a
 * request to a URL other than the stored connection's (see `openConnectionClient`).
 */
export async function openAffinity(
  ctx: AppContext,
): Promise<{ connection: ConnectionInfo; workspace: WorkspaceInfo; client: AffinityClient }> {
  const { store, config, logger } = ctx.deps;
  // A key from the environment is connected as `environment` (an admin), whoever asks.
  const { connection, client } = await openConnectionClient(store, await secretBoxFor(config), config, {
    logger,
  });
  return { connection, workspace: workspaceOf(connection), client };
}

/** The URL a key is checked at: the one given, else the configured one, else the stored connection's, else production. */
function targetUrl(ctx: AppContext, given: string | undefined, stored: ConnectionInfo | null): string {
  return (given ?? ctx.deps.config.affinityBaseUrl ?? stored?.baseUrl ?? AFFINITY_API_URL).replace(
    /\/+$/,
    '',
  );
}

async function refusedKey<T>(url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AffinityAuthError) {
      throw new AppError('bad_request', `Affinity refused the API key (401) at ${url}`, {
        issues: [{ field: 'apiKey', message: 'Affinity refused this key' }],
      });
    }
    throw err;
  }
}
