import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { type ConnectionInfo, getConnection } from '../sync/connections.js';
import {
  type CrmCounts,
  type CrmRow,
  type CrmScope,
  crmCounts,
  crmSorts,
  crmView,
  PullInputError,
  pulledList,
} from '../sync/pull/index.js';
import { type AppContext, AppError, parseInput } from './context.js';

/**
 * My CRM: the records pulled from Affinity lists, ranked by the growth of what they matched in the
 * dataset. Reading it needs only the store (no connection, no reachable Affinity): any signed-in
 * user may.
 */

/**
 * Whose records a read of the store covers: the configured connection's when it is stored, else
 * every connection's, so what was pulled stays readable without Affinity.
 */
export async function readScope(
  store: Store,
  config: Config,
): Promise<{ connectionId: CrmScope; connection: ConnectionInfo | null }> {
  const connection = await getConnection(store, config.connection);
  return { connectionId: connection?.id, connection };
}

/**
 * The pulled list a filter names (its Affinity id or name); one that names no pulled list is a
 * `bad_request` naming `list` and the lists that were pulled.
 */
export async function pulledListOf(
  store: Store,
  connectionId: CrmScope,
  list: string | number,
): Promise<{ id: number; name: string }> {
  try {
    return await pulledList(store, connectionId, list);
  } catch (err) {
    if (err instanceof PullInputError)
      throw new AppError('bad_request', err.message, { issues: [{ field: 'list', message: err.message }] });
    throw err;
  }
}

/** The metrics a My CRM row carries series of, for small charts. */
export const crmSignalMetrics = ['headcount', 'web_visits'] as const;

export const crmInput = z.object({
  list: z
    .union([z.string().trim().min(1, 'name a pulled list (id or name)').max(500), z.number().int()])
    .optional()
    .describe('only records on this pulled Affinity list (its id or name)'),
  sort: z.enum(crmSorts).default('growth'),
  limit: z.coerce.number().int().min(1).max(100_000).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  /** Each row's headcount and web-visit series (what a chart draws); the CLI does without. */
  signals: z.boolean().default(true),
});

const point = z.object({ date: z.string().describe('YYYY-MM-DD'), value: z.number() });
const pulledListSchema = z.object({ id: z.number(), name: z.string() });
export const crmRowSchema = z.object({
  crmId: z.number(),
  affinityType: z.enum(['organization', 'person', 'opportunity']),
  affinityId: z.number(),
  name: z.string(),
  domains: z.array(z.string()),
  emails: z.array(z.string()),
  lists: z.array(z.string()),
  matchStatus: z.enum(['matched', 'ambiguous', 'unmatched']),
  matchedBy: z.string().nullable(),
  reviewDecision: z.string().nullable(),
  entity: z
    .object({ kind: z.enum(['company', 'person', 'investor']), id: z.number(), name: z.string() })
    .nullable(),
  company: z
    .object({
      id: z.number(),
      name: z.string(),
      domain: z.string(),
      growthRank: z.number().nullable().describe('growth percentile 0–100'),
      headcount: z.number().nullable(),
      headcountGrowth12m: z.number().nullable(),
      totalFundingUsd: z.number().nullable(),
      stage: z.string().nullable(),
    })
    .nullable()
    .describe("the enrichment: the matched company, a person's company, an opportunity's organization"),
  signals: z
    .object({ headcount: z.array(point), webVisits: z.array(point) })
    .nullable()
    .optional()
    .describe("the company's series, oldest first (null without a company)"),
});
export const crmCountsSchema = z.object({
  records: z.number(),
  lists: z.number(),
  matching: z.number(),
  matched: z.number(),
  ambiguous: z.number(),
  unmatched: z.number(),
  showing: z.number(),
});
export const crmResult = z.object({
  list: pulledListSchema.optional(),
  counts: crmCountsSchema,
  filter: z.object({
    list: pulledListSchema.optional(),
    sort: z.enum(crmSorts),
    limit: z.number(),
    offset: z.number(),
  }),
  scope: z.enum(['connection', 'every connection']),
  records: z.array(crmRowSchema),
});

export interface CrmSignals {
  headcount: Array<{ date: string; value: number }>;
  webVisits: Array<{ date: string; value: number }>;
}
export type CrmRecord = CrmRow & { signals?: CrmSignals | null };
export interface CrmResult {
  list?: { id: number; name: string };
  counts: CrmCounts & { showing: number };
  filter: {
    list?: { id: number; name: string };
    sort: (typeof crmSorts)[number];
    limit: number;
    offset: number;
  };
  scope: 'connection' | 'every connection';
  records: CrmRecord[];
}

/**
 * My CRM, ranked by growth (or name, or funding), optionally on one pulled list, one page at a
 * time, with the counts a header shows and, per record, the growth rank and signal series of its
 * company. A list that names no pulled list is a `bad_request`.
 */
export async function viewCrm(ctx: AppContext, input: z.input<typeof crmInput>): Promise<CrmResult> {
  const i = parseInput(crmInput, input);
  const store = ctx.deps.store;
  const { connectionId } = await readScope(store, ctx.deps.config);
  const list = i.list === undefined ? undefined : await pulledListOf(store, connectionId, i.list);
  const filter = list === undefined ? {} : { list: list.id };
  const rows = await crmView(store, connectionId, {
    sort: i.sort,
    limit: i.limit,
    offset: i.offset,
    ...filter,
  });
  const counts = { ...(await crmCounts(store, connectionId, filter)), showing: rows.length };
  const series = i.signals ? await signalsOf(store, rows) : undefined;
  return {
    ...(list ? { list } : {}),
    counts,
    filter: { ...(list ? { list } : {}), sort: i.sort, limit: i.limit, offset: i.offset },
    scope: connectionId === undefined ? 'every connection' : 'connection',
    records: series
      ? rows.map((r) => ({ ...r, signals: r.company ? (series.get(r.company.id) ?? empty()) : null }))
      : rows,
  };
}

const empty = (): CrmSignals => ({ headcount: [], webVisits: [] });

/** The headcount and web-visit series of the rows' companies, in one query. */
async function signalsOf(store: Store, rows: readonly CrmRow[]): Promise<Map<number, CrmSignals>> {
  const ids = [...new Set(rows.flatMap((r) => (r.company ? [r.company.id] : [])))];
  const byCompany = new Map<number, CrmSignals>();
  if (ids.length === 0) return byCompany;
  const points = await store.query<{ company_id: number; metric: string; date: string; value: number }>(sql`
    SELECT company_id, metric, observed_on AS date, value FROM intel_company_signals
    WHERE company_id IN (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) AND metric IN (${sql.join(
      crmSignalMetrics.map((m) => sql`${m}`),
      sql`, `,
    )})
    ORDER BY company_id, metric, observed_on`);
  for (const p of points) {
    let entry = byCompany.get(p.company_id);
    if (!entry) {
      entry = empty();
      byCompany.set(p.company_id, entry);
    }
    (p.metric === 'headcount' ? entry.headcount : entry.webVisits).push({ date: p.date, value: p.value });
  }
  return byCompany;
}
