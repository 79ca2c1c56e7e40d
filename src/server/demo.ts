import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type AppDeps, LOCAL_ADMIN } from '../app/context.js';
import { bootstrapAdmin, listUsers } from '../app/users.js';
import { ensureDemoDataset } from '../intelligence/demo.js';
import { type Store, syncConnections } from '../store/index.js';
import { type BuiltinAffinity, previousBuiltinUrl, startBuiltinAffinity } from './builtin-affinity.js';

/** The account `serve --demo` creates when nobody has one yet. */
export const DEMO_ADMIN_EMAIL = 'admin@example.com';

export interface DemoSetup {
  /** The built-in Affinity, unless a real one is configured or connected. */
  builtin: BuiltinAffinity | null;
  /** Set when this start created the demo admin: its password, shown this once. */
  admin: { email: string; password: string } | null;
  /** True when this start loaded the demo intelligence dataset. */
  datasetLoaded: boolean;
  /** What to tell the person who started it, line by line. */
  lines: string[];
  close(): Promise<void>;
}

/**
 * What `serve --demo` (and so `npm start`) adds to a server on embedded defaults, so the product can
 * be tried at once without touching a real CRM: the demo intelligence dataset, the built-in
 * Affinity (the emulator with the demo workspace) unless a real Affinity is configured in the
 * environment or already connected, and a demo admin whose password is printed once. Returns the
 * configuration change the server must use: connecting without a URL reaches the built-in Affinity.
 */
export async function prepareDemo(
  deps: AppDeps,
  options: { dataDir: string; host?: string },
): Promise<DemoSetup> {
  const { store, config, logger } = deps;
  const lines: string[] = [];
  const datasetLoaded = await ensureDemoDataset(store);
  lines.push(
    datasetLoaded
      ? 'Demo intelligence dataset loaded (companies, people and investors with growth signals).'
      : 'Intelligence dataset: kept from before.',
  );

  let builtin: BuiltinAffinity | null = null;
  const realConnection = await connectedElsewhere(store, config.connection, options.dataDir);
  if (config.affinityApiKey || config.affinityBaseUrl) {
    lines.push(`Affinity: ${config.affinityBaseUrl ?? 'https://api.affinity.co'} (from the environment).`);
  } else if (realConnection) {
    lines.push(`Affinity: connected to ${realConnection}.`);
  } else {
    builtin = await startBuiltinAffinity(store, {
      dataDir: options.dataDir,
      ...(options.host ? { host: options.host } : {}),
      logger,
    });
    // Connecting without naming a URL reaches the built-in Affinity, never the real one.
    config.affinityBaseUrl = builtin.url;
    lines.push(
      `Affinity: the built-in emulator with the demo workspace at ${builtin.url} — nothing reaches a real CRM.`,
      `  Connect it with the API key ${builtin.apiKey} (in the web UI under Integrations → Connect, POST /api/connection, or \`affinity-sync connect --base-url ${builtin.url} --api-key -\`)`,
    );
  }

  let admin: DemoSetup['admin'] = null;
  const users = await listUsers({ actor: LOCAL_ADMIN, deps });
  if (users.length === 0) {
    const password = randomBytes(12).toString('base64url');
    await bootstrapAdmin(deps, { email: DEMO_ADMIN_EMAIL, password }, 'serve --demo');
    admin = { email: DEMO_ADMIN_EMAIL, password };
    lines.push(`Sign in as ${DEMO_ADMIN_EMAIL} with the password ${password} (shown this once).`);
  } else if (users.some((u) => u.email === DEMO_ADMIN_EMAIL)) {
    lines.push(
      `Sign in as ${DEMO_ADMIN_EMAIL} (its password was shown at the first start; \`affinity-sync users password ${DEMO_ADMIN_EMAIL}\` sets a new one).`,
    );
  }
  return { builtin, admin, datasetLoaded, lines, close: async () => builtin?.close() };
}

/** The workspace the server's connection points at when it is not the built-in Affinity; else null. */
async function connectedElsewhere(store: Store, name: string, dataDir: string): Promise<string | null> {
  const [row] = await store.db
    .select({ baseUrl: syncConnections.baseUrl, tenantName: syncConnections.tenantName })
    .from(syncConnections)
    .where(eq(syncConnections.name, name));
  if (!row || row.baseUrl === previousBuiltinUrl(dataDir)) return null;
  return `${row.tenantName ?? 'a workspace'} at ${row.baseUrl}`;
}
