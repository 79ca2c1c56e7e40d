import type { FastifyInstance } from 'fastify';
import { AffinityClient, createTransport } from '../../src/affinity/index.js';
import { connectAffinity } from '../../src/app/connection.js';
import type { AppContext, AppDeps } from '../../src/app/context.js';
import { actorOf, bootstrapAdmin, createApiToken, createUser } from '../../src/app/users.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { importRecords } from '../../src/intelligence/index.js';
import { startJobs } from '../../src/jobs/index.js';
import { createLogger } from '../../src/logging/index.js';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import type { Store } from '../../src/store/index.js';
import { type Backend, openTestStore, testDatabaseUrl } from '../../src/store/testing.js';
import { getConnection } from '../../src/sync/connections.js';
import { setDestination } from '../../src/sync/destinations.js';
import { LOCAL_ADMIN } from '../../src/sync/roles.js';
import { pgliteDemoTemplate } from './demo-store.js';

export interface TestUser {
  email: string;
  password: string;
  /** A personal API token of this user, for `Authorization: Bearer`. */
  token: string;
  userId: number;
}

export interface TestFetchOptions {
  method?: string | undefined;
  /** Sent as JSON (unless a string, sent as it is with the content type given or JSON's). */
  body?: unknown;
  /** Bearer token; default the admin's; null sends none. */
  token?: string | null | undefined;
  headers?: Record<string, string> | undefined;
}

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: T;
  text: string;
}

export interface TestServer {
  /** The server's base URL (`http://127.0.0.1:PORT`); API routes are under `/api`. */
  url: string;
  app: FastifyInstance;
  store: Store;
  deps: AppDeps;
  config: Config;
  emulator: RunningEmulator;
  admin: TestUser;
  member: TestUser;
  /** A use-case context acting as the admin (or the member), to set things up without HTTP. */
  ctx(who?: 'admin' | 'member'): AppContext;
  /** A request over real HTTP; `path` starts with `/api/…`. */
  fetch<T = unknown>(path: string, options?: TestFetchOptions): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Connect the admin to the emulator through the connect use case (default true). */
  connect?: boolean;
  /** `pglite` (default: a temp directory) or `postgres` (a schema of its own on the test database). */
  backend?: Backend;
  /** The emulator's settings (default: the demo seed, a rate that never throttles a test). */
  emulator?: EmulatorOptions;
  /** Server options (body limit, timeouts, ready checks). */
  server?: ServerOptions;
  /** `demo`: the store starts with the demo intelligence dataset (PGlite only). Default empty. */
  dataset?: 'demo';
  /** Environment-style configuration laid over the test's defaults (e.g. `{ LOG_LEVEL: 'debug' }`). */
  env?: Record<string, string>;
  /**
   * The job queue (`deps.jobs`): `true` starts it with its workers in the test process
   * (`startJobs(deps, { workers: true })`), a function builds it; `close()` stops it. Default none.
   */
  jobs?:
    | boolean
    | ((deps: AppDeps) => Promise<NonNullable<AppDeps['jobs']> & { stop?: () => Promise<void> }>);
}

/**
 * A real server for route tests: listening on a free port in the test process, over a fresh store
 * (PGlite in a temp directory, or a PostgreSQL schema), with the emulator seeded with the demo
 * workspace and connected (unless `connect: false`), and two users made through the users use
 * cases: an admin and a member, each with a password and an API token.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const backend = options.backend ?? 'pglite';
  const testStore = await openTestStore(
    backend,
    options.dataset === 'demo' ? { template: await pgliteDemoTemplate() } : {},
  );
  const closers: Array<() => Promise<void>> = [() => testStore.cleanup()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const emulator = await startEmulator({
      port: 0,
      seed: 'demo',
      ratePerMinute: 100_000,
      ...options.emulator,
    });
    closers.push(() => emulator.close());
    const config = loadConfig(
      {
        AFFINITY_SYNC_SECRET: 'test server master secret',
        AFFINITY_RATE_PER_MINUTE: '100000',
        LOG_LEVEL: 'silent',
        ...options.env,
      },
      { dataDir: testStore.dataDir, ...(backend === 'postgres' ? { databaseUrl: testDatabaseUrl } : {}) },
    );
    const deps: AppDeps = { store: testStore.store, config, logger: createLogger(config.logLevel) };
    if (options.jobs) {
      const jobs =
        options.jobs === true ? await startJobs(deps, { workers: true }) : await options.jobs(deps);
      deps.jobs = jobs;
      if (jobs.stop) closers.push(() => jobs.stop?.() ?? Promise.resolve());
    }

    const password = 'correct horse battery staple';
    const adminView = await bootstrapAdmin(deps, { email: 'admin@example.com', password }, 'test');
    const adminCtx: AppContext = { actor: actorOf(adminView), deps };
    const memberView = await createUser(adminCtx, {
      email: 'member@example.com',
      password,
      role: 'member',
    });
    const memberCtx: AppContext = { actor: actorOf(memberView), deps };
    const admin: TestUser = {
      email: adminView.email,
      password,
      userId: adminView.id,
      token: (await createApiToken(adminCtx, { name: 'tests' })).token,
    };
    const member: TestUser = {
      email: memberView.email,
      password,
      userId: memberView.id,
      token: (await createApiToken(memberCtx, { name: 'tests' })).token,
    };
    if (options.connect !== false) {
      await connectAffinity(adminCtx, { apiKey: emulator.apiKey, baseUrl: emulator.url });
    }

    const app = await buildServer(deps, options.server);
    closers.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
    const url = `http://127.0.0.1:${address.port}`;

    return {
      url,
      app,
      store: testStore.store,
      deps,
      config,
      emulator,
      admin,
      member,
      ctx: (who = 'admin') => (who === 'admin' ? adminCtx : memberCtx),
      fetch: async <T>(path: string, o: TestFetchOptions = {}): Promise<TestResponse<T>> => {
        const headers: Record<string, string> = { ...o.headers };
        const token = o.token === undefined ? admin.token : o.token;
        if (token !== null) headers.authorization = `Bearer ${token}`;
        let body: string | undefined;
        if (o.body !== undefined) {
          body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
          headers['content-type'] ??= 'application/json';
        }
        const res = await fetch(`${url}${path}`, {
          method: o.method ?? 'GET',
          headers,
          ...(body === undefined ? {} : { body }),
        });
        const text = await res.text();
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        return { status: res.status, headers: res.headers, json: json as T, text };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Imports `count` companies (`<prefix>0.io`, `<prefix>1.io`…, named `<Prefix> i`, each with a
 * website) and saves the company destination: organizations matched by domain, create + update,
 * website → Website. What a push test needs before it pushes.
 */
export async function withCompaniesAndDestination(
  s: TestServer,
  prefix: string,
  count: number,
): Promise<void> {
  const name = prefix.charAt(0).toUpperCase() + prefix.slice(1);
  const imported = await importRecords(
    s.store,
    'companies',
    Array.from({ length: count }, (_, i) => ({
      row: i + 1,
      line: i + 2,
      record: { domain: `${prefix}${i}.io`, name: `${name} ${i}`, website: `https://${prefix}${i}.io` },
    })),
  );
  if (!imported.written) throw new Error(`importing the ${prefix} companies wrote nothing`);
  const connection = await getConnection(s.store);
  if (!connection) throw new Error('the test server is not connected');
  const client = new AffinityClient({
    transport: createTransport({
      apiKey: s.emulator.apiKey,
      baseUrl: s.emulator.url,
      ratePerMinute: 100_000,
    }),
  });
  const saved = await setDestination(s.store, client, connection.id, LOCAL_ADMIN, {
    entity: 'company',
    recordType: 'organization',
    match: 'domain',
    mode: 'create-update',
    map: ['website=Website'],
  });
  if (saved.code !== 'saved')
    throw new Error(`the company destination was not saved: ${JSON.stringify(saved)}`);
}
