import { sql } from 'drizzle-orm';
import type { Store } from '../../store/index.js';
import { PullInputError } from './engine.js';
import type { AffinityType } from './ingest.js';
import type { EntityKind, MatchStatus } from './matching.js';

/**
 * The growth-ranked view of My CRM: every record on a pulled list with its lists, match status and
 * the enrichment of what it matched — a company's growth rank, headcount and headcount growth,
 * funding and stage (for a person: their company's; for an opportunity: its organization's).
 */

export const crmSorts = ['growth', 'name', 'funding'] as const;
export type CrmSort = (typeof crmSorts)[number];

export interface CrmRow {
  crmId: number;
  affinityType: AffinityType;
  affinityId: number;
  name: string;
  domains: string[];
  emails: string[];
  lists: string[];
  matchStatus: MatchStatus;
  matchedBy: string | null;
  reviewDecision: string | null;
  entity: { kind: EntityKind; id: number; name: string } | null;
  company: {
    id: number;
    name: string;
    domain: string;
    growthRank: number | null;
    headcount: number | null;
    /** Headcount growth over twelve months (0.25 = +25%), from the signals. */
    headcountGrowth12m: number | null;
    totalFundingUsd: number | null;
    stage: string | null;
  } | null;
}

export interface CrmViewOptions {
  list?: string | number;
  sort?: CrmSort;
  limit?: number;
  offset?: number;
}

interface Row {
  id: number;
  affinity_type: AffinityType;
  affinity_id: number;
  name: string;
  domains: string[];
  emails: string[];
  lists: string[] | null;
  match_status: MatchStatus;
  matched_by: string | null;
  review_decision: string | null;
  match_kind: EntityKind | null;
  match_entity_id: number | null;
  entity_name: string | null;
  co_id: number | null;
  co_name: string | null;
  co_domain: string | null;
  growth_rank: number | null;
  headcount: number | null;
  hc_growth: number | null;
  total_funding_usd: number | null;
  stage: string | null;
}

/**
 * Which connection's records a read of My CRM covers: one connection's, or — `undefined`, when no
 * connection is stored — every connection's, so what was pulled stays readable without Affinity.
 */
export type CrmScope = number | undefined;

/** The SQL condition `alias.connection_id` is in scope. */
export function inScope(alias: string, connectionId: CrmScope) {
  return connectionId === undefined
    ? sql`true`
    : sql`${sql.identifier(alias)}.connection_id = ${connectionId}`;
}

/** The SQL condition the record `r` is on the list named by `list` (its Affinity id or name). */
export function onList(list: string | number | undefined) {
  return list === undefined
    ? sql``
    : sql`AND EXISTS (SELECT 1 FROM crm_memberships m JOIN crm_lists l ON l.connection_id = m.connection_id
              AND l.affinity_list_id = m.affinity_list_id
            WHERE m.connection_id = r.connection_id AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id
              AND (l.affinity_list_id::text = ${String(list)} OR lower(l.name) = lower(${String(list)})))`;
}

/**
 * The pulled list a filter names (its Affinity id or its name, case-insensitive), so a filter that
 * names no pulled list is refused rather than showing an empty My CRM.
 */
export async function pulledList(
  store: Store,
  connectionId: CrmScope,
  list: string | number,
): Promise<{ id: number; name: string }> {
  const rows = await store.query<{ affinity_list_id: number; name: string }>(sql`
    SELECT affinity_list_id, name FROM crm_lists l WHERE ${inScope('l', connectionId)} ORDER BY lower(name), affinity_list_id`);
  const wanted = String(list).trim();
  const hit =
    rows.find((r) => String(r.affinity_list_id) === wanted) ??
    rows.find((r) => r.name.toLowerCase() === wanted.toLowerCase());
  if (hit) return { id: Number(hit.affinity_list_id), name: hit.name };
  throw new PullInputError(
    rows.length === 0
      ? `no pulled list named ${JSON.stringify(wanted)}: no list has been pulled yet (run \`affinity-sync pull --list NAME\`)`
      : `no pulled list named ${JSON.stringify(wanted)}; pulled lists: ${rows.map((r) => r.name).join(', ')}`,
  );
}

/** What a view of My CRM shows out of what it holds, for its header. */
export interface CrmCounts {
  /** Records on pulled lists (each once). */
  records: number;
  /** Pulled lists. */
  lists: number;
  /** Records the filter keeps (all of them without a filter), by match state. */
  matching: number;
  matched: number;
  ambiguous: number;
  unmatched: number;
}

/** {@link CrmCounts} for a view of My CRM, optionally on one list (id or name). */
export async function crmCounts(
  store: Store,
  connectionId: CrmScope,
  options: { list?: string | number } = {},
): Promise<CrmCounts> {
  const [row] = await store.query<{
    records: number;
    lists: number;
    matching: number;
    matched: number;
    ambiguous: number;
  }>(sql`
    SELECT
      (SELECT count(*)::int FROM crm_records r WHERE ${inScope('r', connectionId)} AND r.presence = 'listed') AS records,
      (SELECT count(*)::int FROM crm_lists l WHERE ${inScope('l', connectionId)}) AS lists,
      count(*)::int AS matching,
      count(*) FILTER (WHERE r.match_status = 'matched')::int AS matched,
      count(*) FILTER (WHERE r.match_status = 'ambiguous')::int AS ambiguous
    FROM crm_records r
    WHERE ${inScope('r', connectionId)} AND r.presence = 'listed' ${onList(options.list)}`);
  const r = row ?? { records: 0, lists: 0, matching: 0, matched: 0, ambiguous: 0 };
  return {
    records: r.records,
    lists: r.lists,
    matching: r.matching,
    matched: r.matched,
    ambiguous: r.ambiguous,
    unmatched: r.matching - r.matched - r.ambiguous,
  };
}

/**
 * My CRM, sorted by growth rank (default), name or total funding; records without data last. It
 * reads only the store: no connection or reachable Affinity is needed.
 */
export async function crmView(
  store: Store,
  connectionId: CrmScope,
  options: CrmViewOptions = {},
): Promise<CrmRow[]> {
  const listFilter = onList(options.list);
  const order =
    options.sort === 'name'
      ? sql`lower(r.name), r.id`
      : options.sort === 'funding'
        ? sql`co.total_funding_usd DESC NULLS LAST, lower(r.name), r.id`
        : sql`co.growth_rank DESC NULLS LAST, lower(r.name), r.id`;
  // The page is chosen first; the lists and the 12-month headcount growth are looked up for its
  // rows only, not for every pulled record.
  const rows = await store.query<Row>(sql`
    SELECT q.*,
      (SELECT array_agg(DISTINCT l.name ORDER BY l.name) FROM crm_memberships m JOIN crm_lists l
         ON l.connection_id = m.connection_id AND l.affinity_list_id = m.affinity_list_id
       WHERE m.connection_id = q.connection_id AND m.affinity_type = q.affinity_type AND m.affinity_id = q.affinity_id) AS lists,
      hg.g AS hc_growth
    FROM (
      SELECT r.id, r.connection_id, r.affinity_type, r.affinity_id, r.name, r.domains, r.emails, r.match_status,
        r.matched_by, r.review_decision, r.match_kind, r.match_entity_id,
        COALESCE(c.name, p.name, i.name) AS entity_name,
        co.id AS co_id, co.name AS co_name, co.domain AS co_domain, co.growth_rank, co.headcount,
        co.total_funding_usd, co.stage,
        row_number() OVER (ORDER BY ${order}) AS ord
      FROM crm_records r
      LEFT JOIN intel_companies c ON r.match_kind = 'company' AND c.id = r.match_entity_id
      LEFT JOIN intel_people p ON r.match_kind = 'person' AND p.id = r.match_entity_id
      LEFT JOIN intel_investors i ON r.match_kind = 'investor' AND i.id = r.match_entity_id
      LEFT JOIN intel_companies pc ON pc.domain = p.company_domain
      LEFT JOIN LATERAL (SELECT COALESCE(c.id, pc.id) AS id) cid ON true
      LEFT JOIN intel_companies co ON co.id = cid.id
      WHERE ${inScope('r', connectionId)} AND r.presence = 'listed' ${listFilter}
      ORDER BY ${order}
      LIMIT ${options.limit ?? 50} OFFSET ${options.offset ?? 0}
    ) q
    LEFT JOIN LATERAL (
      SELECT last.value / NULLIF(past.value, 0) - 1 AS g
      FROM (SELECT observed_on, value FROM intel_company_signals
            WHERE company_id = q.co_id AND metric = 'headcount' ORDER BY observed_on DESC LIMIT 1) last
      CROSS JOIN LATERAL (SELECT value FROM intel_company_signals
            WHERE company_id = q.co_id AND metric = 'headcount' AND observed_on <= last.observed_on - interval '12 months'
            ORDER BY observed_on DESC LIMIT 1) past
    ) hg ON true
    ORDER BY q.ord`);
  return rows.map((r) => ({
    crmId: r.id,
    affinityType: r.affinity_type,
    affinityId: r.affinity_id,
    name: r.name,
    domains: r.domains,
    emails: r.emails,
    lists: r.lists ?? [],
    matchStatus: r.match_status,
    matchedBy: r.matched_by,
    reviewDecision: r.review_decision,
    entity:
      r.match_kind !== null && r.match_entity_id !== null && r.match_status === 'matched'
        ? { kind: r.match_kind, id: r.match_entity_id, name: r.entity_name ?? '' }
        : null,
    company:
      r.co_id === null
        ? null
        : {
            id: r.co_id,
            name: r.co_name ?? '',
            domain: r.co_domain ?? '',
            growthRank: r.growth_rank,
            headcount: r.headcount,
            headcountGrowth12m: r.hc_growth,
            totalFundingUsd: r.total_funding_usd,
            stage: r.stage,
          },
  }));
}
