/**
 * The emulator's HTTP server (node:http, for throughput): mounts every resource module behind
 * Affinity's auth, rate limits and headers, injects faults and latency, counts requests, serves
 * the admin API under `/_emulator/`, and keeps the state file.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { Core, isWorkspaceJson, type WorkspaceJson } from './core.js';
import { index, mergeOrganizations, organizationSummary } from './entities.js';
import {
  type FaultBody,
  FaultInjector,
  type FaultSettings,
  type FaultStatus,
  type RouteFaultStatus,
} from './faults.js';
import {
  ApiError,
  type HandlerResult,
  JsonText,
  type RequestContext,
  type ResourceModule,
} from './framework.js';
import { type LimitVerdict, RateLimiter, rateLimitHeaders } from './limits.js';
import { tablesOf } from './model.js';
import { modules as defaultModules } from './modules.js';
import { Router } from './router.js';
import {
  closeWebhookDelivery,
  configureWebhookDelivery,
  type WebhookDeliveryOptions,
} from './webhook-delivery.js';
import { apiKeyIndex, applySeed, type SeedInput } from './workspace.js';
import { checkWorkspace, InvalidWorkspaceError } from './workspace-schema.js';

export interface EmulatorOptions {
  /** 0 picks a free port (default). */
  port?: number;
  host?: string;
  /** The workspace to start with (default `empty`); ignored when `state` names an existing file. */
  seed?: SeedInput;
  /** State file: loaded at start when it exists, saved atomically periodically and on close. */
  state?: string;
  /** `apiKeys[i]` is the key of the i-th user; the first is the key `startEmulator` returns. */
  apiKeys?: string[];
  ratePerMinute?: number;
  monthlyLimit?: number | 'unlimited';
  maxConcurrent?: number;
  faultRate?: number;
  faultStatus?: FaultStatus;
  faultSeed?: number;
  latencyMs?: number;
  /** Per-route faults and scripted faults. */
  faults?: Partial<Pick<FaultSettings, 'routes' | 'script'>>;
  now?: () => Date;
  webhookRetry?: Partial<WebhookDeliveryOptions>;
  /** How often the state file is saved when something changed (default 5 s). */
  saveIntervalMs?: number;
  /** Serve the admin API to non-loopback callers too. */
  allowRemoteAdmin?: boolean;
  modules?: readonly ResourceModule[];
}

/** The runtime settings `GET/PUT /_emulator/config` read and change. */
export interface EmulatorConfig extends FaultSettings {
  ratePerMinute: number;
  monthlyLimit: number | 'unlimited';
  maxConcurrent: number;
  allowRemoteAdmin: boolean;
}

export interface RouteStat {
  method: string;
  route: string;
  status: number;
  count: number;
}

export interface EmulatorStats {
  total: number;
  rateLimited: number;
  faultsInjected: number;
  byRoute: RouteStat[];
}

export interface RunningEmulator {
  url: string;
  port: number;
  /** The first user's key. */
  apiKey: string;
  core: Core;
  config(): EmulatorConfig;
  setConfig(patch: Partial<EmulatorConfig>): EmulatorConfig;
  stats(): EmulatorStats;
  resetStats(): void;
  /** Replaces the workspace (a seed name, a seed function or an exported workspace). */
  seed(seed: SeedInput): void;
  exportState(): WorkspaceJson;
  /** Writes the state file now (no-op without `state`). */
  save(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULTS = { ratePerMinute: 900, monthlyLimit: 'unlimited' as const, maxConcurrent: 100 };
const MAX_BODY = 50 * 1024 * 1024;
/** How much of an oversized body is read (and dropped) before the connection is cut instead. */
const MAX_DRAIN = 4 * MAX_BODY;
const UNAUTHORIZED = { message: 'Your API key is invalid.' };

const faultStatus = z.union([z.literal(429), z.literal(500), z.literal(503)]);
/** A route or scripted fault may also answer 200 with a broken body, or 422. */
const routeFaultStatus = z.union([faultStatus, z.literal(200), z.literal(422)]);
const faultBodyKind = z.enum(['truncated', 'empty']);
const configPatch = z
  .object({
    ratePerMinute: z.number().int().positive(),
    monthlyLimit: z.union([z.number().int().nonnegative(), z.literal('unlimited')]),
    maxConcurrent: z.number().int().positive(),
    faultRate: z.number().min(0).max(1),
    faultStatus: faultStatus,
    faultSeed: z.number().int().nullable(),
    latencyMs: z.number().nonnegative(),
    routes: z.record(
      z.string(),
      z
        .object({
          faultRate: z.number().min(0).max(1),
          status: routeFaultStatus,
          latencyMs: z.number().nonnegative(),
          afterWrite: z.boolean(),
          body: faultBodyKind,
        })
        .partial(),
    ),
    script: z.array(
      z.object({
        route: z.string(),
        status: routeFaultStatus.optional(),
        afterWrite: z.boolean().optional(),
        body: faultBodyKind.optional(),
        times: z.number().int().positive().optional(),
      }),
    ),
    allowRemoteAdmin: z.boolean(),
  })
  .partial()
  .strict();

/**
 * What an admin request names as the workspace to load: `demo`, `empty` or an exported workspace
 * (checked when loaded); anything else is a 400.
 */
function seedOf(value: unknown): SeedInput {
  if (value === 'demo' || value === 'empty') return value;
  // A workspace is checked whole where it is loaded (`applySeed`); anything else that is an
  // object is checked here only to say what is wrong with it.
  if (isWorkspaceJson(value)) return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const checked = checkWorkspace(value);
    if (!checked.ok) throw new InvalidWorkspaceError(checked.problems);
  }
  throw new ApiError(400, {
    message: 'Give {"seed": "demo"|"empty"}, {"seed": <workspace>} or an exported workspace.',
  });
}

/** Parses a query string; repeated keys become arrays, keys keep their `[]`. */
export function parseQuery(qs: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!qs) return out;
  for (const pair of qs.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawVal = eq < 0 ? '' : pair.slice(eq + 1);
    const key = decode(rawKey);
    const val = decode(rawVal);
    const cur = out[key];
    if (cur === undefined) out[key] = key.endsWith('[]') ? [val] : val;
    else if (Array.isArray(cur)) cur.push(val);
    else out[key] = [cur, val];
  }
  return out;
}

function decode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Form fields as a body: `key[]` and repeated keys become arrays under the bare key. */
function formBody(entries: Iterable<[string, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const isArray = k.endsWith('[]');
    const key = isArray ? k.slice(0, -2) : k;
    const cur = out[key];
    if (cur === undefined) out[key] = isArray ? [v] : v;
    else if (Array.isArray(cur)) cur.push(v);
    else out[key] = [cur, v];
  }
  return out;
}

const tooLarge = (): ApiError =>
  new ApiError(413, { message: `Request body too large: the limit is ${MAX_BODY / 1024 / 1024} MB.` });

/**
 * The request body, or a 413 once it passes {@link MAX_BODY}. An oversized body is still read to
 * its end (and thrown away) before the 413 goes out, so the client finishes sending and then reads
 * the answer: closing the socket with unread bytes would reset the connection and lose the answer.
 * A body past {@link MAX_DRAIN} is cut off.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length']) > MAX_BODY;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (over || size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        if (size > MAX_DRAIN) req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/**
 * The parameters of a write: the body, plus every query parameter the body does not give (the
 * live API reads both; the body wins). `key[]` query keys land under the bare key, as form bodies.
 */
function withQueryParams(
  body: Record<string, unknown>,
  query: Record<string, string | string[]>,
): Record<string, unknown> {
  for (const [rawKey, value] of Object.entries(query)) {
    const isArray = rawKey.endsWith('[]');
    const key = isArray ? rawKey.slice(0, -2) : rawKey;
    if (body[key] !== undefined || body[`${key}[]`] !== undefined) continue;
    body[key] = isArray && !Array.isArray(value) ? [value] : value;
  }
  return body;
}

async function parseBody(
  req: IncomingMessage,
): Promise<{ body: Record<string, unknown>; files: RequestContext['files']; present: boolean }> {
  const empty = { body: {}, files: [], present: false };
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
    return empty;
  const raw = await readBody(req);
  if (raw.length === 0) return empty;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } })
      .formData()
      .catch(() => {
        throw new ApiError(422, { message: 'Malformed multipart body.' });
      });
    const fields: Array<[string, string]> = [];
    const files: RequestContext['files'] = [];
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') fields.push([k, v]);
      else files.push({ filename: v.name, contentType: v.type, data: Buffer.from(await v.arrayBuffer()) });
    }
    return { body: formBody(fields), files, present: true };
  }
  const text = raw.toString('utf8');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const q = parseQuery(text);
    return {
      body: formBody(
        Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as Array<
          [string, string]
        >,
      ),
      files: [],
      present: true,
    };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ApiError(422, { message: 'The request body must be a JSON object.' });
    }
    return { body: parsed as Record<string, unknown>, files: [], present: true };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(422, { message: 'Malformed JSON body.' });
  }
}

type RawResult = { __raw: true; status: number; headers?: Record<string, string>; body?: Buffer | string };

function isRaw(r: HandlerResult): r is RawResult {
  return typeof r === 'object' && r !== null && (r as { __raw?: unknown }).__raw === true;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function keyFromAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // The key is the password; the username is ignored.
  const key = colon < 0 ? decoded : decoded.slice(colon + 1);
  return key || null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const mods = options.modules ?? defaultModules;
  const core = new Core({ modules: mods, ...(options.now ? { now: options.now } : {}) });
  const clock = options.now ?? (() => new Date());
  if (options.webhookRetry) configureWebhookDelivery(core, options.webhookRetry);

  const apiKeys = options.apiKeys ?? [];
  let apiKey: string;
  if (options.state && existsSync(options.state)) {
    const ws: unknown = JSON.parse(readFileSync(options.state, 'utf8'));
    const invalid = (problems: string[]): Error =>
      new Error(`${options.state} is not a valid emulator state file: ${problems.join('; ')}`);
    if (!isWorkspaceJson(ws)) {
      const checked = checkWorkspace(ws);
      throw invalid(checked.ok ? ['not a workspace'] : checked.problems);
    }
    try {
      apiKey = applySeed(core, ws, apiKeys);
    } catch (err) {
      throw err instanceof InvalidWorkspaceError ? invalid(err.problems) : err;
    }
  } else {
    apiKey = applySeed(core, options.seed ?? 'empty', apiKeys);
  }
  const startSeed: SeedInput = options.seed ?? 'empty';

  const limiter = new RateLimiter(
    {
      ratePerMinute: options.ratePerMinute ?? DEFAULTS.ratePerMinute,
      monthlyLimit: options.monthlyLimit ?? DEFAULTS.monthlyLimit,
      maxConcurrent: options.maxConcurrent ?? DEFAULTS.maxConcurrent,
    },
    clock,
  );
  const faults = new FaultInjector({
    faultRate: options.faultRate ?? 0,
    ...(options.faultStatus ? { faultStatus: options.faultStatus } : {}),
    faultSeed: options.faultSeed ?? null,
    latencyMs: options.latencyMs ?? 0,
    routes: options.faults?.routes ?? {},
    script: options.faults?.script ?? [],
  });
  let allowRemoteAdmin = options.allowRemoteAdmin ?? false;

  const router = new Router();
  for (const m of mods) for (const r of m.routes(core)) router.add(r);

  const stats = new Map<string, RouteStat>();
  let total = 0;
  let rateLimited = 0;
  let faultsInjected = 0;
  let dirty = 0;

  const count = (method: string, route: string, status: number): void => {
    total += 1;
    if (status === 429) rateLimited += 1;
    const key = `${method} ${route} ${status}`;
    const s = stats.get(key);
    if (s) s.count += 1;
    else stats.set(key, { method, route, status, count: 1 });
  };

  const config = (): EmulatorConfig => ({
    ...limiter.settings,
    ...faults.current,
    allowRemoteAdmin,
  });

  const setConfig = (patch: Partial<EmulatorConfig>): EmulatorConfig => {
    const p = configPatch.parse(patch);
    limiter.settings = {
      ratePerMinute: p.ratePerMinute ?? limiter.settings.ratePerMinute,
      monthlyLimit: p.monthlyLimit ?? limiter.settings.monthlyLimit,
      maxConcurrent: p.maxConcurrent ?? limiter.settings.maxConcurrent,
    };
    const f = faults.current;
    const status = p.faultStatus ?? f.faultStatus;
    faults.configure({
      faultRate: p.faultRate ?? f.faultRate,
      ...(status ? { faultStatus: status } : {}),
      faultSeed: p.faultSeed !== undefined ? p.faultSeed : (f.faultSeed ?? null),
      latencyMs: p.latencyMs ?? f.latencyMs,
      routes: (p.routes as FaultSettings['routes'] | undefined) ?? f.routes,
      script: (p.script as FaultSettings['script'] | undefined) ?? f.script,
    });
    if (p.allowRemoteAdmin !== undefined) allowRemoteAdmin = p.allowRemoteAdmin;
    return config();
  };

  const seed = (s: SeedInput): void => {
    apiKey = applySeed(core, s, apiKeys);
    authCache.clear();
    dirty += 1;
  };

  // Authorization header → key row, dropped whenever the state is replaced.
  const authCache = new Map<string, { id: number; person_id: number }>();
  let authGeneration = core.generation;
  const authenticate = (header: string | undefined): { id: number; person_id: number } | null => {
    if (!header) return null;
    if (authGeneration !== core.generation) {
      authCache.clear();
      authGeneration = core.generation;
    }
    const cached = authCache.get(header);
    if (cached && tablesOf(core).apiKeys.get(cached.id) === cached) return cached;
    const key = keyFromAuthorization(header);
    if (!key) return null;
    const row = apiKeyIndex(core).get(key);
    if (!row || !tablesOf(core).persons.get(row.person_id)) return null;
    if (authCache.size > 10_000) authCache.clear();
    authCache.set(header, row);
    return row;
  };

  let baseUrl = '';

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void => {
    const text =
      typeof body === 'string' ? body : body instanceof JsonText ? body.text : JSON.stringify(body);
    headers['Content-Type'] =
      typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    // One encode to bytes gives the length and the payload: cheaper than measuring the string
    // and letting the socket encode it again (large search pages especially).
    const bytes = Buffer.from(text);
    headers['Content-Length'] = String(bytes.length);
    // The client sent more than we read: end this connection once the answer is out.
    if (status === 413) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(bytes);
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const remote = req.socket.remoteAddress ?? '';
    if (!allowRemoteAdmin && !LOOPBACK.has(remote)) {
      send(res, 403, { message: 'The emulator admin API only answers loopback callers.' }, {});
      return;
    }
    const method = req.method ?? 'GET';
    try {
      const { body } = await parseBody(req);
      const route = `${method} ${path}`;
      switch (route) {
        case 'POST /_emulator/reset': {
          const s = body.seed === undefined ? startSeed : seedOf(body.seed);
          seed(s);
          limiter.clear();
          send(res, 200, { ok: true, apiKey }, {});
          return;
        }
        case 'POST /_emulator/seed': {
          // The body is the workspace itself, or {"workspace": …}, or {"seed": name or workspace}.
          const looksLikeWorkspace = body.format !== undefined || body.tables !== undefined;
          seed(seedOf(looksLikeWorkspace ? body : (body.workspace ?? body.seed)));
          send(res, 200, { ok: true, apiKey }, {});
          return;
        }
        case 'GET /_emulator/config':
          send(res, 200, config(), {});
          return;
        case 'PUT /_emulator/config': {
          const parsed = configPatch.safeParse(body);
          if (!parsed.success) {
            send(res, 422, { message: 'Invalid configuration.', issues: parsed.error.issues }, {});
            return;
          }
          send(res, 200, setConfig(parsed.data as Partial<EmulatorConfig>), {});
          return;
        }
        case 'GET /_emulator/stats':
          send(res, 200, statsOf(), {});
          return;
        case 'DELETE /_emulator/stats':
        case 'POST /_emulator/stats/reset':
          resetStats();
          send(res, 200, { ok: true }, {});
          return;
        case 'GET /_emulator/export':
          send(res, 200, core.exportState(), {});
          return;
        case 'POST /_emulator/save':
          await save();
          send(res, 200, { ok: true, saved: Boolean(options.state) }, {});
          return;
        case 'POST /_emulator/merge-organizations': {
          const t = tablesOf(core);
          const from = t.organizations.get(Number(body.from));
          const into = t.organizations.get(Number(body.into));
          if (!from || !into || from === into) {
            send(res, 422, { message: 'Give {"from": id, "into": id} of two organizations.' }, {});
            return;
          }
          mergeOrganizations(core, from, into);
          dirty += 1;
          const merged = { ...organizationSummary(into), person_ids: into.person_ids, merged_id: from.id };
          core.emit('organization.merged', merged);
          send(res, 200, merged, {});
          return;
        }
        default:
          send(res, 404, { message: `Unknown admin endpoint ${route}.` }, {});
      }
    } catch (err) {
      if (err instanceof ApiError) send(res, err.status, err.body, {});
      else if (err instanceof InvalidWorkspaceError)
        send(res, 400, { message: err.message, problems: err.problems }, {});
      else send(res, 500, { message: err instanceof Error ? err.message : String(err) }, {});
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.startsWith('/_emulator/')) {
      await admin(req, res, path);
      return;
    }
    const method = req.method ?? 'GET';
    const match = router.match(method, path);
    const template = match?.route.path ?? '(unmatched)';

    if (match?.route.public) {
      await run(req, res, method, template, match, q < 0 ? '' : url.slice(q + 1), null, true);
      return;
    }

    const key = authenticate(req.headers.authorization);
    if (!key) {
      const headers = rateLimitHeaders(limiter.status(null));
      count(method, template, 401);
      send(res, 401, UNAUTHORIZED, headers);
      return;
    }
    const verdict: LimitVerdict = limiter.admit(key.id);
    if (verdict) {
      const status = limiter.status(key.id);
      const headers = rateLimitHeaders(status);
      headers['Retry-After'] = String(
        verdict === 'monthly'
          ? status.org_monthly.reset
          : verdict === 'per-minute'
            ? status.api_key_per_minute.reset
            : 1,
      );
      count(method, template, 429);
      const message =
        verdict === 'monthly'
          ? 'Monthly API call limit exceeded for this account.'
          : verdict === 'per-minute'
            ? 'Per-minute rate limit exceeded for this API key.'
            : 'Too many concurrent requests for this account.';
      send(res, 429, { message }, headers);
      return;
    }
    limiter.inFlight += 1;
    try {
      await run(req, res, method, template, match, q < 0 ? '' : url.slice(q + 1), key, false);
    } finally {
      limiter.inFlight -= 1;
    }
  };

  const run = async (
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    template: string,
    match: ReturnType<Router['match']>,
    qs: string,
    key: { id: number; person_id: number } | null,
    publicRoute: boolean,
  ): Promise<void> => {
    const headersFor = (): Record<string, string> => rateLimitHeaders(limiter.status(key ? key.id : null));
    let status = 200;
    let body: unknown;
    let raw: RawResult | undefined;
    /** A broken answer a fault calls for: sent as is, whatever the handler answered. */
    let broken: { status: number; text: string } | undefined;
    const decision = faults.idle || publicRoute ? null : faults.decide(method, template);
    try {
      if (decision && decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision?.fault && !decision.fault.afterWrite) {
        faultsInjected += 1;
        if (decision.fault.body) throw new BrokenAnswer(decision.fault.status, decision.fault.body, null);
        throw new ApiError(decision.fault.status, faultBody(decision.fault.status));
      }
      if (!match) throw new ApiError(404, { message: 'Not found.' });
      const parsed = await parseBody(req);
      const query = parseQuery(qs);
      // Like the live API, parameters sent in the body of a GET count as query parameters, and
      // those sent in the query string of a write count as body parameters.
      if (method === 'GET' && parsed.present) {
        for (const [k, v] of Object.entries(parsed.body)) {
          if (query[k] !== undefined) continue;
          if (Array.isArray(v)) query[k] = v.map(String);
          else if (v !== null && typeof v !== 'object') query[k] = String(v);
        }
      }
      const params = method === 'GET' || qs === '' ? parsed.body : withQueryParams(parsed.body, query);
      const ctx: RequestContext = {
        userId: key ? key.person_id : 0,
        params: match.params,
        query,
        body: params,
        files: parsed.files,
        baseUrl,
      };
      if (key) {
        ctx.apiKeyId = key.id;
        // Computed on demand: only GET /rate-limit reads it.
        Object.defineProperty(ctx, 'rateLimit', { get: () => limiter.status(key.id), enumerable: true });
      }
      const result = await match.route.handler(ctx);
      if (method !== 'GET') dirty += 1;
      if (decision?.fault?.afterWrite) {
        faultsInjected += 1;
        if (decision.fault.body) throw new BrokenAnswer(decision.fault.status, decision.fault.body, result);
        throw new ApiError(decision.fault.status, faultBody(decision.fault.status));
      }
      if (isRaw(result)) raw = result;
      else body = result;
    } catch (err) {
      if (err instanceof BrokenAnswer) {
        broken = { status: err.status, text: err.text() };
      } else if (err instanceof ApiError) {
        status = err.status;
        body = err.body;
      } else {
        status = 500;
        body = { message: 'Internal Server Error' };
        if (process.env.DEBUG) console.error(err);
      }
    }
    const headers = headersFor();
    if (broken !== undefined) {
      count(method, template, broken.status);
      res.writeHead(broken.status, {
        ...headers,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(broken.text)),
      });
      res.end(broken.text);
      return;
    }
    if (raw !== undefined) {
      count(method, template, raw.status);
      res.writeHead(raw.status, { ...headers, ...(raw.headers ?? {}) });
      res.end(raw.body ?? '');
      return;
    }
    count(method, template, status);
    send(res, status, body === undefined ? null : body, headers);
  };

  const statsOf = (): EmulatorStats => ({
    total,
    rateLimited,
    faultsInjected,
    byRoute: [...stats.values()].map((s) => ({ ...s })),
  });
  const resetStats = (): void => {
    stats.clear();
    total = 0;
    rateLimited = 0;
    faultsInjected = 0;
  };

  let saving: Promise<void> = Promise.resolve();
  let savedAt = 0;
  const save = async (): Promise<void> => {
    const file = options.state;
    if (!file) return;
    const target = dirty;
    saving = saving.then(async () => {
      const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, JSON.stringify(core.exportState()));
      await rename(tmp, file);
      savedAt = target;
    });
    await saving;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, { message: 'Internal Server Error' }, rateLimitHeaders(limiter.status(null)));
      if (process.env.DEBUG) console.error(err);
    });
  });
  server.keepAliveTimeout = 65_000;
  // A client that waits for `100 Continue` before sending an oversized body gets the 413 at once.
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length']) > MAX_BODY) {
      const err = tooLarge();
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const method = req.method ?? 'POST';
      count(method, router.match(method, path)?.route.path ?? '(unmatched)', err.status);
      send(res, err.status, err.body, rateLimitHeaders(limiter.status(null)));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${address.port}`;

  const timer = options.state
    ? setInterval(() => {
        if (dirty !== savedAt) save().catch(() => undefined);
      }, options.saveIntervalMs ?? 5_000)
    : null;
  timer?.unref();

  let closed = false;
  return {
    url: baseUrl,
    port: address.port,
    get apiKey() {
      return apiKey;
    },
    core,
    config,
    setConfig,
    stats: statsOf,
    resetStats,
    seed,
    exportState: () => core.exportState(),
    save,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const m of mods) await m.close?.();
      await closeWebhookDelivery(core);
      await save();
    },
  };
}

/** A fault's cut-off or empty answer, in place of what the route answered (`result`). */
class BrokenAnswer {
  constructor(
    readonly status: number,
    readonly kind: FaultBody,
    readonly result: unknown,
  ) {}

  text(): string {
    if (this.kind === 'empty') return '';
    const whole =
      this.result === undefined || isRaw(this.result)
        ? JSON.stringify({ message: 'OK' })
        : this.result instanceof JsonText
          ? this.result.text
          : JSON.stringify(this.result);
    return whole.slice(0, Math.max(1, Math.floor(whole.length / 2)));
  }
}

function faultBody(status: RouteFaultStatus): unknown {
  if (status === 429) return { message: 'Too many requests.' };
  if (status === 422) return { message: 'Refused by a scripted fault of the emulator.' };
  if (status === 503) return { message: 'Service Unavailable' };
  return { message: 'Internal Server Error' };
}

/** Entity counts, for the CLI banner and the benchmark. */
export function workspaceCounts(core: Core): Record<string, number> {
  const t = tablesOf(core);
  index(core);
  return {
    persons: t.persons.size,
    organizations: t.organizations.size,
    opportunities: t.opportunities.size,
    lists: t.lists.size,
    list_entries: t.listEntries.size,
    field_values: t.fieldValues.size,
  };
}
