import { type SQL, sql } from 'drizzle-orm';
import type { Store } from '../../store/index.js';
import type { AffinityType, InlineMatch } from './ingest.js';

/**
 * Matching of My CRM records to the intelligence dataset, set-based: one statement gathers every
 * candidate of every record, decides each record, and writes the match states that changed.
 *
 * - Organizations match companies or investors by normalised domain (any of their domains); only
 *   when no domain matches, by exact name (case-insensitive). A name match on an organization whose
 *   own domain points elsewhere is ambiguous, not a match: the name is shared, the evidence is not.
 * - Persons match people by any email, then by LinkedIn URL.
 * - Opportunities match through their organizations: the one entity those organizations match.
 * - A record a push created or linked (a `sync_links` row of the connection names it) and that the
 *   evidence above leaves unmatched or ambiguous is matched by that link: our own records never
 *   come back as strangers to review.
 * - Records with a review decision keep it; matching never overrides a person's choice.
 */

export type MatchStatus = 'matched' | 'ambiguous' | 'unmatched';
export type EntityKind = 'company' | 'person' | 'investor';
export type MatchedBy = 'domain' | 'name' | 'email' | 'linkedin' | 'organization' | 'review' | 'link';

export interface Candidate {
  kind: EntityKind;
  id: number;
  name: string;
  by: MatchedBy;
}

/** The outcome of matching one record: a value, never an exception. */
export type MatchResult =
  | { status: 'matched'; kind: EntityKind; entityId: number; by: MatchedBy; candidates: Candidate[] }
  | { status: 'ambiguous'; candidates: Candidate[] }
  | { status: 'unmatched'; candidates: [] };

export interface MatchChange {
  recordId: number;
  affinityType: AffinityType;
  affinityId: number;
  name: string;
  previous: MatchStatus;
  result: MatchResult;
}

export interface MatchReport {
  /** Final state of every record considered. */
  counts: Record<MatchStatus, number>;
  /** Every record considered, with its result (changed or not). */
  results: MatchChange[];
  /** How many records changed state. */
  changed: number;
  /** Links recorded for push. */
  linksAdded: number;
}

interface DecisionRow {
  id: number;
  t: AffinityType;
  a: number;
  name: string;
  prev: MatchStatus;
  s: MatchStatus;
  k: EntityKind | null;
  e: number | null;
  b: MatchedBy | null;
  c: Candidate[];
}

/** Which records a matching pass takes (always only those without a review decision). */
export interface MatchScope {
  /** These records, by id. */
  recordIds?: readonly number[];
  /** The records of one Affinity type with these Affinity ids (a page of a list). */
  only?: { type: AffinityType; ids: readonly number[] };
  /** All but these records, by Affinity type and id (those a pull already matched page by page). */
  except?: Partial<Record<AffinityType, Iterable<number>>>;
}

/** A PostgreSQL array literal of integers: one short text parameter, however many ids. */
function bigintArray(ids: Iterable<number>): string {
  let out = '{';
  for (const id of ids) out += out.length === 1 ? String(id) : `,${id}`;
  return `${out}}`;
}

function scopeSql(scope: MatchScope) {
  const parts = [];
  if (scope.recordIds !== undefined)
    parts.push(sql`AND r.id = ANY(${bigintArray(scope.recordIds)}::bigint[])`);
  if (scope.only !== undefined)
    parts.push(
      sql`AND r.affinity_type = ${scope.only.type} AND r.affinity_id = ANY(${bigintArray(scope.only.ids)}::bigint[])`,
    );
  for (const [type, ids] of Object.entries(scope.except ?? {}))
    parts.push(
      sql`AND NOT (r.affinity_type = ${type} AND r.affinity_id = ANY(${bigintArray(ids as Iterable<number>)}::bigint[]))`,
    );
  return sql.join(parts, sql` `);
}

/**
 * The CTEs that decide the records of a CTE `recs` — columns `id` (any key unique in `recs`), `t`,
 * `a`, `name`, `domain_keys`, `email_keys`, `linkedin_url`, `organization_ids` and the stored state
 * (`match_status`, `match_kind`, `match_entity_id`, `matched_by`, `candidates`) — ending in `dec`:
 * one row per record with its decision (`s`, `k`, `e`, `b`, `c`), its log message `m`, its
 * previous state `prev`, and whether it `changed`. Shared by {@link matchRecords} and a pull's
 * ingest of new records, so both decide by the same rules.
 *
 * `probe` looks keys up in the indexes (few records) instead of hash joins over the dataset (many):
 * the people's emails with one search of their index for all keys at once, which stays fast even
 * while it has a long pending list after a bulk import; companies' other domains with one search
 * of their partial index. `type`: records of one type only, which need only their own kind of
 * evidence (and planning a shorter statement is quicker): the other CTEs are left empty.
 */
export function decisionSql(
  connectionId: number,
  options: { type?: AffinityType | undefined; probe: boolean },
): SQL {
  const { type, probe } = options;
  const orgCandidates =
    type !== undefined && type !== 'organization'
      ? sql`
    dom AS (SELECT NULL::bigint AS id, NULL::text AS kind, NULL::bigint AS eid, NULL::text AS name WHERE false),
    nm AS (SELECT NULL::bigint AS id, NULL::text AS kind, NULL::bigint AS eid, NULL::text AS name WHERE false),
`
      : probe
        ? sql`
    -- The companies having any of the keys among their other domains, found once by the partial
    -- index (a CTE of its own, so that no plan repeats the search per key).
    cod AS MATERIALIZED (
      SELECT c.id, c.name, unnest(c.other_domains) AS od FROM intel_companies c
      WHERE c.other_domains <> '{}'::text[] AND c.other_domains && (SELECT array_agg(dk.k) FROM dk)
    ),
    dom AS MATERIALIZED (
      SELECT dk.id, 'company'::text AS kind, c.id AS eid, c.name
      FROM dk CROSS JOIN LATERAL (SELECT c.id, c.name FROM intel_companies c WHERE c.domain = dk.k) c
      UNION
      SELECT dk.id, 'company', c.id, c.name FROM dk JOIN cod c ON c.od = dk.k
      UNION
      SELECT dk.id, 'investor', i.id, i.name
      FROM dk CROSS JOIN LATERAL (SELECT i.id, i.name FROM intel_investors i WHERE i.domain = dk.k) i
    ),
    unresolved AS MATERIALIZED (
      SELECT u.id, lower(u.name) AS ln FROM recs u
      WHERE u.t = 'organization' AND NOT EXISTS (SELECT 1 FROM dom WHERE dom.id = u.id)
    ),
    nm AS (
      SELECT u.id, 'company'::text AS kind, c.id AS eid, c.name
      FROM unresolved u CROSS JOIN LATERAL (SELECT c.id, c.name FROM intel_companies c WHERE lower(c.name) = u.ln) c
      UNION
      SELECT u.id, 'investor', i.id, i.name
      FROM unresolved u CROSS JOIN LATERAL (SELECT i.id, i.name FROM intel_investors i WHERE lower(i.name) = u.ln) i
    ),
`
        : sql`
    dom AS MATERIALIZED (
      SELECT dk.id, 'company'::text AS kind, c.id AS eid, c.name FROM dk JOIN intel_companies c ON c.domain = dk.k
      UNION
      SELECT dk.id, 'company', c.id, c.name
      FROM dk JOIN (SELECT c.id, c.name, unnest(c.other_domains) AS od FROM intel_companies c
                    WHERE c.other_domains <> '{}') c ON c.od = dk.k
      UNION
      SELECT dk.id, 'investor', i.id, i.name FROM dk JOIN intel_investors i ON i.domain = dk.k
    ),
    unresolved AS MATERIALIZED (
      SELECT u.id, lower(u.name) AS ln FROM recs u
      WHERE u.t = 'organization' AND NOT EXISTS (SELECT 1 FROM dom WHERE dom.id = u.id)
    ),
    nm AS (
      SELECT u.id, 'company'::text AS kind, c.id AS eid, c.name FROM unresolved u JOIN intel_companies c ON lower(c.name) = u.ln
      UNION
      SELECT u.id, 'investor', i.id, i.name FROM unresolved u JOIN intel_investors i ON lower(i.name) = u.ln
    ),
`;
  const personCandidates =
    type !== undefined && type !== 'person'
      ? sql`
    em AS (SELECT NULL::bigint AS id, NULL::text AS kind, NULL::bigint AS eid, NULL::text AS name WHERE false),
    li AS (SELECT NULL::bigint AS id, NULL::text AS kind, NULL::bigint AS eid, NULL::text AS name WHERE false),`
      : probe
        ? sql`
    -- The people holding any of the keys, found once (a CTE of its own, so that no plan repeats
    -- the search per record).
    pe AS MATERIALIZED (
      SELECT p.id, p.name, unnest(p.emails) AS e FROM intel_people p
      WHERE (SELECT ek FROM keys) IS NOT NULL AND p.emails && (SELECT ek FROM keys)
    ),
    rk AS MATERIALIZED (SELECT recs.id, k FROM recs, unnest(recs.email_keys) AS k WHERE recs.t = 'person'),
    em AS MATERIALIZED (
      SELECT DISTINCT rk.id, 'person'::text AS kind, p.id AS eid, p.name FROM pe p JOIN rk ON rk.k = p.e
    ),
    li AS (
      SELECT DISTINCT u.id, 'person'::text AS kind, p.id AS eid, p.name
      FROM recs u CROSS JOIN LATERAL (SELECT p.id, p.name FROM intel_people p WHERE p.linkedin_url = u.linkedin_url) p
      WHERE u.t = 'person' AND u.linkedin_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM em WHERE em.id = u.id)
    ),`
        : sql`
    em AS MATERIALIZED (
      SELECT DISTINCT ek.id, 'person'::text AS kind, p.id AS eid, p.name
      FROM (SELECT recs.id, k FROM recs, unnest(recs.email_keys) AS k WHERE recs.t = 'person') ek
      JOIN (SELECT p.id, p.name, e FROM intel_people p, unnest(p.emails) AS e) p ON p.e = ek.k
    ),
    li AS (
      SELECT DISTINCT u.id, 'person'::text AS kind, p.id AS eid, p.name
      FROM recs u JOIN intel_people p ON p.linkedin_url = u.linkedin_url
      WHERE u.t = 'person' AND u.linkedin_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM em WHERE em.id = u.id)
    ),`;
  const candidates = probe
    ? sql`
    keys AS MATERIALIZED (
      SELECT (SELECT array_agg(DISTINCT k) FROM recs, unnest(recs.email_keys) AS k WHERE recs.t = 'person') AS ek
    ),
${orgCandidates}${personCandidates}`
    : sql`${orgCandidates}${personCandidates}`;
  const opportunities =
    type !== undefined && type !== 'opportunity'
      ? sql`
    ocand AS (SELECT NULL::bigint AS id, NULL::text AS kind, NULL::bigint AS eid, NULL::text AS name, NULL::text AS by WHERE false),
    decided AS MATERIALIZED (SELECT * FROM own),
`
      : sql`
    -- Opportunities go through their organizations' state: decided above, or stored.
    oc AS MATERIALIZED (
      SELECT r.id AS opp, o.name AS oname,
        CASE WHEN d.id IS NULL THEN o.match_status ELSE d.s END AS s,
        CASE WHEN d.id IS NULL THEN o.match_kind ELSE d.kind END AS kind,
        CASE WHEN d.id IS NULL THEN o.match_entity_id ELSE d.eid END AS eid
      FROM recs r CROSS JOIN unnest(r.organization_ids) AS oid
      JOIN crm_records o ON o.connection_id = ${connectionId} AND o.affinity_type = 'organization' AND o.affinity_id = oid
      LEFT JOIN own d ON d.id = o.id
      WHERE r.t = 'opportunity'
    ),
    ocand AS MATERIALIZED (
      SELECT opp AS id, kind, eid, min(oname) AS name, 'organization'::text AS by FROM oc
      WHERE s = 'matched' AND kind IS NOT NULL AND eid IS NOT NULL GROUP BY opp, kind, eid
    ),
    opp AS (
      SELECT r.id, r.t, r.a, r.name, r.match_status AS prev, r.match_kind AS pk, r.match_entity_id AS pe,
        r.matched_by AS pb, r.candidates AS pc,
        CASE WHEN g.n = 1 THEN 'matched'
             WHEN g.n > 1 OR EXISTS (SELECT 1 FROM oc WHERE oc.opp = r.id AND oc.s = 'ambiguous') THEN 'ambiguous'
             ELSE 'unmatched' END AS s,
        'organization'::text AS by, g.n, g.kind, g.eid, g.ename
      FROM recs r
      LEFT JOIN (SELECT id, count(*)::int AS n, min(kind) AS kind, min(eid) AS eid, min(name) AS ename
                 FROM ocand GROUP BY id) g ON g.id = r.id
      WHERE r.t = 'opportunity'
    ),
    decided AS MATERIALIZED (SELECT * FROM own UNION ALL SELECT * FROM opp),
`;
  return sql`
    dk AS MATERIALIZED (SELECT recs.id, unnest(recs.domain_keys) AS k FROM recs WHERE recs.t = 'organization'),
    ${candidates}
    -- A record's candidates all come from its strongest kind of evidence.
    cand AS MATERIALIZED (
      SELECT id, kind, eid, name, 'domain'::text AS by FROM dom
      UNION ALL SELECT id, kind, eid, name, 'name' FROM nm
      UNION ALL SELECT id, kind, eid, name, 'email' FROM em
      UNION ALL SELECT id, kind, eid, name, 'linkedin' FROM li
    ),
    grp AS (
      SELECT id, min(by) AS by, count(*)::int AS n, min(kind) AS kind, min(eid) AS eid, min(name) AS ename
      FROM cand GROUP BY id
    ),
    own AS (
      SELECT r.id, r.t, r.a, r.name, r.match_status AS prev, r.match_kind AS pk, r.match_entity_id AS pe,
        r.matched_by AS pb, r.candidates AS pc,
        CASE WHEN g.id IS NULL THEN 'unmatched'
             WHEN g.n = 1 AND NOT (g.by = 'name' AND cardinality(r.domain_keys) > 0) THEN 'matched'
             ELSE 'ambiguous' END AS s,
        g.by, g.n, g.kind, g.eid, g.ename
      FROM recs r LEFT JOIN grp g ON g.id = r.id
      WHERE r.t <> 'opportunity'
    ),
${opportunities}    -- Records we created or linked: the link's entity (one per record: a create first, then a
    -- review, then the oldest link), when it still exists in the dataset.
    lnk AS MATERIALIZED (
      SELECT DISTINCT ON (r.id) r.id, l.entity_kind AS kind, l.entity_id AS eid,
        COALESCE(c.name, p.name, i.name) AS ename
      FROM recs r
      JOIN sync_links l ON l.connection_id = ${connectionId} AND l.affinity_type = r.t AND l.affinity_id = r.a
      LEFT JOIN intel_companies c ON l.entity_kind = 'company' AND c.id = l.entity_id
      LEFT JOIN intel_people p ON l.entity_kind = 'person' AND p.id = l.entity_id
      LEFT JOIN intel_investors i ON l.entity_kind = 'investor' AND i.id = l.entity_id
      WHERE COALESCE(c.id, p.id, i.id) IS NOT NULL
      ORDER BY r.id, CASE l.linked_by WHEN 'created' THEN 0 WHEN 'review' THEN 1 ELSE 2 END, l.id
    ),
    -- The evidence decides; where it leaves a record we linked unmatched or ambiguous, the link does.
    base AS MATERIALIZED (
      SELECT d.id, d.t, d.a, d.name, d.prev, d.pk, d.pe, d.pb, d.pc,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.s ELSE 'matched' END AS s,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.by ELSE 'link' END AS by,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.n ELSE 1 END AS n,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.kind ELSE l.kind END AS kind,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.eid ELSE l.eid END AS eid,
        CASE WHEN l.id IS NULL OR d.s = 'matched' THEN d.ename ELSE l.ename END AS ename
      FROM decided d LEFT JOIN lnk l ON l.id = d.id
    ),
    -- The competing candidates of ambiguous records, as they are kept and told.
    amb AS (
      SELECT x.id,
        jsonb_agg(jsonb_build_object('kind', x.kind, 'id', x.eid, 'name', x.name, 'by', x.by) ORDER BY x.kind, x.eid) AS c,
        string_agg(x.kind || ' ' || x.eid || ' (' || x.by || ')', ', ' ORDER BY x.kind, x.eid) AS listed
      FROM (SELECT * FROM cand UNION ALL SELECT * FROM ocand) x
      WHERE x.id IN (SELECT id FROM base WHERE s = 'ambiguous')
      GROUP BY x.id
    ),
    dec AS MATERIALIZED (
      SELECT b.id, b.t, b.a, b.name, b.prev, b.s,
        CASE WHEN b.s = 'matched' THEN b.kind END AS k,
        CASE WHEN b.s = 'matched' THEN b.eid END AS e,
        CASE WHEN b.s = 'matched' THEN b.by END AS b,
        CASE b.s
          WHEN 'matched' THEN jsonb_build_array(jsonb_build_object('kind', b.kind, 'id', b.eid, 'name', b.ename, 'by', b.by))
          WHEN 'ambiguous' THEN COALESCE(amb.c, '[]'::jsonb)
          ELSE '[]'::jsonb END AS c,
        CASE b.s WHEN 'matched' THEN 'matched by ' || b.by
                 WHEN 'ambiguous' THEN COALESCE(b.n, 0) || ' candidates: ' || COALESCE(amb.listed, '') END AS m,
        -- A match that names the same entity the same way is unchanged.
        CASE b.s
          WHEN 'matched' THEN (b.prev, b.pk, b.pe, b.pb) IS DISTINCT FROM (b.s, b.kind, b.eid, b.by)
          WHEN 'ambiguous' THEN b.prev <> b.s OR b.pc IS DISTINCT FROM COALESCE(amb.c, '[]'::jsonb)
          ELSE (b.prev, b.pk, b.pe, b.pb) IS DISTINCT FROM ('unmatched', NULL, NULL, NULL) OR b.pc <> '[]'::jsonb
        END AS changed
      FROM base b LEFT JOIN amb ON amb.id = b.id
    )`;
}

/**
 * Logs the decisions of `source` (a relation with the columns of `dec`, `id` being the record's
 * My CRM id) as one batch row per outcome.
 */
export function outcomeLogSql(log: { runId: number; stepId: number }, source: SQL): SQL {
  return sql`
        INSERT INTO sync_run_records (run_id, step_id, outcome, items)
        SELECT ${log.runId}::bigint, ${log.stepId}::bigint, dec.s,
          jsonb_build_object('count', count(*),
            'entityKind', CASE WHEN dec.s = 'matched' THEN array_agg(dec.k) END,
            'entityId', CASE WHEN dec.s = 'matched' THEN array_agg(dec.e) END,
            'affinityType', array_agg(dec.t),
            'affinityId', array_agg(dec.a),
            'message', CASE WHEN dec.s <> 'unmatched' THEN array_agg(dec.m) END,
            'details', jsonb_build_object('crmId', array_agg(dec.id), 'name', array_agg(dec.name),
              'previous', array_agg(dec.prev)))
        FROM ${source} dec GROUP BY dec.s`;
}

/**
 * Links the records of `source` (columns of `dec`, `id` the My CRM id) matched anew, the first
 * record (by id) of an entity winning; an entity already linked keeps its link.
 */
export function newLinksSql(connectionId: number, source: SQL): SQL {
  return sql`
        INSERT INTO sync_links (connection_id, entity_kind, entity_id, affinity_type, affinity_id, linked_by)
        SELECT DISTINCT ON (dec.k, dec.e, dec.t) ${connectionId}::bigint, dec.k, dec.e, dec.t, dec.a,
          CASE dec.b WHEN 'organization' THEN 'pull' ELSE dec.b END
        FROM ${source} dec WHERE dec.changed AND dec.s = 'matched'
        ORDER BY dec.k, dec.e, dec.t, dec.id
        ON CONFLICT (connection_id, entity_kind, entity_id, affinity_type) DO NOTHING
        RETURNING 1`;
}

/**
 * Matches the connection's records in `scope` (default: all) that carry no review decision, writes
 * the changed states, and records a `sync_links` row for matched records that have none, so a
 * later push of that entity finds its Affinity record without a search: every matched record of
 * the connection (`links: 'all'`, the default), or only those this pass matched anew.
 *
 * One statement gathers every candidate of every record, decides each record (the rules above;
 * opportunities through their organizations' new or stored state), writes the states
 * that changed and, when logging, every record's outcome (one batch row per outcome). Only the
 * counts travel back, unless `results` asks for every record's result.
 */
export async function matchRecords(
  store: Store,
  connectionId: number,
  options: MatchScope & {
    /** Write every record's outcome to this run step, in the statement that writes the states. */
    log?: { runId: number; stepId: number };
    /** Return every record's result (default true); a pull only needs the counts. */
    results?: boolean;
    links?: 'all' | 'new';
    /** How candidates are found: hash joins over the dataset, or index lookups of the keys. */
    mode?: 'scan' | 'probe';
  } = {},
): Promise<MatchReport> {
  const scope = scopeSql(options);
  // Many records are matched by hash joins: one pass over the dataset's keys. A few look their
  // keys up in the indexes instead (see decisionSql).
  const scoped =
    options.recordIds !== undefined || options.only !== undefined || options.except !== undefined;
  const probe = (options.mode ?? (scoped ? 'probe' : 'scan')) === 'probe';
  const decide = decisionSql(connectionId, { type: options.only?.type, probe });
  const log = options.log ? sql`, logged AS (${outcomeLogSql(options.log, sql`dec`)})` : sql``;
  const newLinks =
    options.links === 'new' ? sql`, linked AS (${newLinksSql(connectionId, sql`dec`)})` : sql``;
  const wantResults = options.results ?? true;
  const linkCount = options.links === 'new' ? sql`(SELECT count(*) FROM linked)::int` : sql`0`;
  const tail = wantResults
    ? sql`SELECT dec.id, dec.t, dec.a, dec.name, dec.prev, dec.s, dec.k, dec.e, dec.b, dec.c, ${linkCount} AS links
      FROM dec ORDER BY dec.id`
    : sql`SELECT dec.s, count(*)::int AS n, count(*) FILTER (WHERE dec.prev <> dec.s)::int AS moved, ${linkCount} AS links
      FROM dec GROUP BY dec.s`;
  // Candidates are gathered as rows and counted per record; the JSON list a record keeps is built
  // only where it is stored or read: records whose state changes, ambiguous ones, and results.
  const rows = await store.query<DecisionRow & { n: number; moved: number; links: number }>(sql`
    WITH recs AS MATERIALIZED (
      SELECT r.id, r.affinity_type AS t, r.affinity_id AS a, r.name, r.domain_keys, r.email_keys, r.linkedin_url,
        r.organization_ids, r.match_status, r.match_kind, r.match_entity_id, r.matched_by, r.candidates
      FROM crm_records r
      WHERE r.connection_id = ${connectionId} AND r.review_decision IS NULL ${scope}
    ),
    ${decide},
    upd AS (
      UPDATE crm_records r SET match_status = dec.s, match_kind = dec.k, match_entity_id = dec.e,
        matched_by = dec.b, candidates = dec.c, updated_at = now()
      FROM dec WHERE dec.changed AND r.id = dec.id
    )${log}${newLinks}
    ${tail}`);

  const counts: Record<MatchStatus, number> = { matched: 0, ambiguous: 0, unmatched: 0 };
  let changed = 0;
  const results: MatchChange[] = [];
  if (wantResults) {
    for (const r of rows) {
      counts[r.s]++;
      if (r.prev !== r.s) changed++;
      const result: MatchResult =
        r.s === 'matched' && r.k !== null && r.e !== null && r.b !== null
          ? { status: 'matched', kind: r.k, entityId: r.e, by: r.b, candidates: r.c }
          : r.s === 'ambiguous'
            ? { status: 'ambiguous', candidates: r.c }
            : { status: 'unmatched', candidates: [] };
      results.push({
        recordId: r.id,
        affinityType: r.t,
        affinityId: r.a,
        name: r.name,
        previous: r.prev,
        result,
      });
    }
  } else {
    for (const r of rows) {
      counts[r.s] += r.n;
      changed += r.moved;
    }
  }
  const linksAdded = options.links === 'new' ? (rows[0]?.links ?? 0) : await recordLinks(store, connectionId);
  return { counts, results, changed, linksAdded };
}

/**
 * Records a link for every matched record of the connection that has none yet (one statement).
 * An entity already linked to an Affinity record of that type keeps its link: a push or a review
 * made it deliberately.
 */
export async function recordLinks(store: Store, connectionId: number): Promise<number> {
  // Matched records and the existing links sorted together by entity, a link first: the first
  // row of an entity that has no link is its first record by id. One pass, with no join whose
  // plan could go wrong on tables PGlite never analyses.
  const out = await store.query<{ id: number }>(sql`
    INSERT INTO sync_links (connection_id, entity_kind, entity_id, affinity_type, affinity_id, linked_by)
    SELECT ${connectionId}::bigint, g.k, g.e, g.t, g.a, g.by
    FROM (
      SELECT DISTINCT ON (x.k, x.e, x.t) x.k, x.e, x.t, x.linked, x.a, x.by
      FROM (
        SELECT r.match_kind AS k, r.match_entity_id AS e, r.affinity_type AS t, false AS linked, r.id,
          r.affinity_id AS a, CASE r.matched_by WHEN 'organization' THEN 'pull' ELSE r.matched_by END AS by
        FROM crm_records r
        WHERE r.connection_id = ${connectionId} AND r.match_status = 'matched'
          AND r.match_kind IS NOT NULL AND r.match_entity_id IS NOT NULL
        UNION ALL
        SELECT l.entity_kind, l.entity_id, l.affinity_type, true, NULL, NULL, NULL
        FROM sync_links l WHERE l.connection_id = ${connectionId}
      ) x
      ORDER BY x.k, x.e, x.t, x.linked DESC, x.id
    ) g
    WHERE NOT g.linked
    ON CONFLICT (connection_id, entity_kind, entity_id, affinity_type) DO NOTHING
    RETURNING id`);
  return out.length;
}

/**
 * Readies the dataset's indexes for a pull's many lookups: merges the pending list of the people's
 * email index (a bulk import appends to it; every search of the index reads all of it) into the
 * index proper, once, instead of every page of a person list reading it again.
 */
export async function readyMatchIndexes(store: Store): Promise<void> {
  try {
    await store.query(sql`SELECT gin_clean_pending_list('intel_people_emails'::regclass)`);
  } catch {
    // A role that does not own the index may not merge it (PostgreSQL's autovacuum does it there):
    // lookups stay correct, only slower.
  }
}

/** Fewest records a pull matches before its end: each pass reads the dataset's keys once. */
const CATCH_UP_LEAST = 1000;

/**
 * Matching within a pull. Records are matched as their pages are written, in the time the pull
 * waits for the next pages anyway (`catchUp`), each record once however many pulled lists it is
 * on; whatever is left — all of it when the pages came faster than they were written — is
 * matched at the end in one pass, with opportunities (their organizations are in by then) and
 * the records on no pulled list. Outcomes go to one run step; the report adds the passes up.
 */
export class PullMatching {
  readonly #done: Record<'organization' | 'person', Set<number>> = {
    organization: new Set(),
    person: new Set(),
  };
  readonly #pending: Record<'organization' | 'person', Set<number>> = {
    organization: new Set(),
    person: new Set(),
  };
  readonly #report: MatchReport = {
    counts: { matched: 0, ambiguous: 0, unmatched: 0 },
    results: [],
    changed: 0,
    linksAdded: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly connectionId: number,
    private readonly log: { runId: number; stepId: number },
  ) {}

  /** The run step matching outcomes go to. */
  get step(): { runId: number; stepId: number } {
    return this.log;
  }

  /**
   * Takes the records a page's ingest matched as it wrote them (see `ingestPage`'s `match`): they
   * are done for this run, and their outcomes count in its report.
   */
  decided(type: AffinityType, m: InlineMatch): void {
    if (type === 'opportunity') return;
    for (const id of m.affinityIds) {
      this.#done[type].add(id);
      this.#pending[type].delete(id);
    }
    this.#add({
      counts: m.counts,
      results: [],
      changed: m.counts.matched + m.counts.ambiguous,
      linksAdded: m.linksAdded,
    });
  }

  /** Notes the records of a page just written (organizations and persons; the rest wait). */
  page(type: AffinityType, affinityIds: Iterable<number>): void {
    if (type === 'opportunity') return;
    for (const id of affinityIds) if (!this.#done[type].has(id)) this.#pending[type].add(id);
  }

  /** Leaves these records to the end of the run (their matching keys changed since). */
  later(type: AffinityType, affinityIds: Iterable<number>): void {
    if (type === 'opportunity') return;
    for (const id of affinityIds) {
      this.#done[type].delete(id);
      this.#pending[type].delete(id);
    }
  }

  /**
   * Matches the records noted since the last call, once there are enough of them to be worth a
   * pass over the dataset's keys.
   */
  async catchUp(least = CATCH_UP_LEAST): Promise<void> {
    for (const type of ['organization', 'person'] as const) {
      const ids = [...this.#pending[type]];
      if (ids.length === 0 || ids.length < least) continue;
      this.#pending[type].clear();
      for (const id of ids) this.#done[type].add(id);
      this.#add(
        await matchRecords(this.store, this.connectionId, {
          only: { type, ids },
          mode: 'scan',
          log: this.log,
          results: false,
          links: 'new',
        }),
      );
    }
  }

  /**
   * Matches every record not matched yet — with `within`, only those of these My CRM records (the
   * records of the lists a run pulled) — records links still missing, and reports the run.
   */
  async finish(within?: readonly number[]): Promise<MatchReport> {
    const [all] = within
      ? [{ n: within.length }]
      : await this.store.query<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM crm_records WHERE connection_id = ${this.connectionId} AND review_decision IS NULL`);
    const left = (all?.n ?? 0) - this.#done.organization.size - this.#done.person.size;
    this.#add(
      await matchRecords(this.store, this.connectionId, {
        ...(within ? { recordIds: within } : {}),
        except: this.#done,
        // Many records left: hash joins over the dataset cost less than index lookups.
        mode: left > 1000 ? 'scan' : 'probe',
        log: this.log,
        results: false,
      }),
    );
    return this.#report;
  }

  #add(r: MatchReport): void {
    for (const s of ['matched', 'ambiguous', 'unmatched'] as const) this.#report.counts[s] += r.counts[s];
    this.#report.changed += r.changed;
    this.#report.linksAdded += r.linksAdded;
  }
}
