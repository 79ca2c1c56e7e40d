import fastifySwagger from '@fastify/swagger';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../app/context.js';
import { defaultMigrationsFolder } from '../store/index.js';
import { quoteIdent } from '../store/migrate.js';
import { installAuth } from './auth.js';
import { handleError, handleNotFound } from './errors.js';
import { apiRoutes } from './routes/index.js';
import { defaultWebRoot, installWebUi, webFallback } from './web.js';
import { webhookReceiver } from './webhook-receiver.js';

/** What a readiness check says: null when ready, else why not. */
export type ReadyCheck = () => Promise<string | null>;

export interface ServerOptions {
  /** Largest request body in bytes (default 1 MiB); larger ones answer 413. */
  bodyLimit?: number;
  /** Time to receive a whole request, headers and body, in ms (default 30 s): slow senders get 408. */
  requestTimeout?: number;
  /**
   * Idle time after which a socket is closed, in ms (default 5 minutes). Long answers (Server-Sent
   * Events) must send something (a comment line) more often than this.
   */
  connectionTimeout?: number;
  /** How long an idle keep-alive connection is kept, in ms (default 72 s, longer than common proxies'). */
  keepAliveTimeout?: number;
  /**
   * Trust `X-Forwarded-*` from a proxy in front (true, or its addresses): the client's
   * address and whether it came over TLS (Secure cookies) are then read from them.
   */
  trustProxy?: boolean | string | string[];
  /** Log each request and its answer at info (default false: only errors are logged). */
  logRequests?: boolean;
  /**
   * The built web UI to serve (default `dist/web` of the package when built); null serves none,
   * and pages then say how to build it.
   */
  webRoot?: string | null;
  /** More readiness checks by name (the jobs, say); `/api/ready` answers 503 while any fails. */
  readyChecks?: Record<string, ReadyCheck>;
}

const checkResult = z.object({ name: z.string(), ok: z.boolean(), message: z.string().nullable() });
export const healthAnswer = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() });
export const readyAnswer = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(checkResult),
});

/**
 * The HTTP API: Fastify with zod schemas on every route (validation, serialisation and the OpenAPI
 * document at `/api/openapi.json` from the same schemas), the auth hook before every route, each
 * route group of `apiRoutes` under `/api`, and one error shape for every refusal. Not listening:
 * the caller calls `listen` (or `inject` in tests) and `close`.
 */
export async function buildServer(deps: AppDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestTimeout: options.requestTimeout ?? 30_000,
    connectionTimeout: options.connectionTimeout ?? 5 * 60_000,
    keepAliveTimeout: options.keepAliveTimeout ?? 72_000,
    trustProxy: options.trustProxy ?? false,
    // Ids a person can quote from an error answer to find its log line.
    genReqId: requestIdGenerator(),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => webFallback(request, reply) ?? handleNotFound(request, reply));
  app.decorate('deps', deps);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'affinity-sync API',
        description:
          'Two-way sync and enrichment engine for Affinity CRM. Sign in (session cookie, with the x-csrf-token header on writes) or send `Authorization: Bearer <API token>`. Every refusal answers {"error": {"code", "message", "details"}}.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'affinity_sync_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  await installAuth(app);
  // Outside /api: Affinity posts deliveries to the secret URL an admin subscribed.
  await webhookReceiver(app);
  await installWebUi(app, options.webRoot === undefined ? defaultWebRoot() : options.webRoot);

  const readyChecks: Record<string, ReadyCheck> = {
    database: async () => {
      await deps.store.query(sql`select 1`);
      return null;
    },
    migrations: () => migrationsApplied(deps),
    ...options.readyChecks,
  };
  const started = Date.now();

  await app.register(
    async (api) => {
      const r = api.withTypeProvider<ZodTypeProvider>();
      r.get(
        '/health',
        {
          config: { public: true },
          schema: {
            tags: ['server'],
            summary: 'Liveness: the process answers',
            security: [],
            response: { 200: healthAnswer },
          },
        },
        async () => ({ status: 'ok' as const, uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
      );
      r.get(
        '/ready',
        {
          config: { public: true },
          schema: {
            tags: ['server'],
            summary: 'Readiness: the database answers, its migrations are applied, the jobs run',
            security: [],
            response: { 200: readyAnswer, 503: readyAnswer },
          },
        },
        async (_request, reply) => {
          const checks = await Promise.all(
            Object.entries(readyChecks).map(async ([name, check]) => {
              try {
                const message = await check();
                return { name, ok: message === null, message };
              } catch (err) {
                return { name, ok: false, message: err instanceof Error ? err.message : String(err) };
              }
            }),
          );
          const ok = checks.every((c) => c.ok);
          return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
        },
      );
      r.get(
        '/openapi.json',
        {
          config: { public: true },
          schema: {
            tags: ['server'],
            summary: 'This API as an OpenAPI 3.1 document',
            security: [],
            response: { 200: z.record(z.string(), z.unknown()) },
          },
        },
        async () => app.swagger() as unknown as Record<string, unknown>,
      );
      for (const routes of apiRoutes) await api.register(routes);
    },
    { prefix: '/api' },
  );
  return app;
}

/** Request ids: a short random prefix per server and a counter, so logs of two servers never mix. */
function requestIdGenerator(): () => string {
  const prefix = Math.random().toString(36).slice(2, 6);
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

let expectedMigration: number | undefined;

/** Null when every migration of this build is applied to the store, else what is missing. */
async function migrationsApplied(deps: AppDeps): Promise<string | null> {
  expectedMigration ??= Math.max(
    0,
    ...readMigrationFiles({ migrationsFolder: defaultMigrationsFolder() }).map((m) => m.folderMillis),
  );
  const [row] = await deps.store.query<{ last: number | string | null }>(
    sql.raw(`SELECT max(created_at) AS last FROM ${quoteIdent(deps.store.schema)}."__drizzle_migrations"`),
  );
  const last = Number(row?.last ?? 0);
  return last >= expectedMigration
    ? null
    : 'the database lacks migrations of this version: restart to apply them';
}
