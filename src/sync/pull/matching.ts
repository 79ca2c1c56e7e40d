import { sql } from 'drizzle-orm';
import type { Store } from '../../store/index.js';
import type { AffinityType } from './ingest.js';

/**
 * Matching of My CRM records to the intelligence dataset, set-based: one query gathers every
 * candidate of every record, the decision is made per record here, and the changed match states
 * are written in one statement.
 *
 * - Organizations match companies or investors by normalised domain (any of their domains); only
 *   when no domain matches, by exact name (case-insensitive). A name match on an organization whose
 *   own domain points elsewhere is ambiguous, not a match: the name is shared, the evidence is not.
 * - Persons match people by any email, then by LinkedIn URL.
 * - Opportunities match through their organizations: the one entity those organizations match.
 * - Records with a review decision keep it; matching never overrides a person's choice.
 */

export type MatchStatus = 'matched' | 'ambiguous' | 'unmatched';
export type EntityKind = 'company' | 'person' | 'investor';
export type MatchedBy = 'domain' | 'name' | 'email' | 'linkedin' | 'organization' | 'review';

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

interface RecordRow {
  id: number;
  affinity_type: AffinityType;
  affinity_id: number;
  name: string;
  domain_keys: string[];
  match_status: MatchStatus;
  match_kind: EntityKind | null;
  match_entity_id: number | null;
  matched_by: MatchedBy | null;
}

interface CandidateRow {
  rid: number;
  kind: EntityKind;
  eid: number;
  name: string;
  by: MatchedBy;
}

function distinctEntities(cands: readonly Candidate[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const c of cands) if (!seen.has(`${c.kind}:${c.id}`)) seen.set(`${c.kind}:${c.id}`, c);
  return [...seen.values()];
}

/** Decides one record from its candidates, strongest evidence first. */
export function decide(
  type: AffinityType,
  hasDomain: boolean,
  candidates: readonly Candidate[],
): MatchResult {
  const strong: MatchedBy[] = type === 'organization' ? ['domain', 'name'] : ['email', 'linkedin'];
  for (const by of strong) {
    const found = distinctEntities(candidates.filter((c) => c.by === by));
    if (found.length === 0) continue;
    const only = found[0];
    if (found.length === 1 && only && !(by === 'name' && hasDomain)) {
      return { status: 'matched', kind: only.kind, entityId: only.id, by, candidates: found };
    }
    return { status: 'ambiguous', candidates: found };
  }
  return { status: 'unmatched', candidates: [] };
}

/**
 * Matches the connection's records (all, or `recordIds`) that carry no review decision, writes the
 * changed states, and records a `sync_links` row for every matched record that has none, so a later
 * push of that entity finds its Affinity record without a search.
 */
export async function matchRecords(
  store: Store,
  connectionId: number,
  options: {
    recordIds?: readonly number[];
    /** Write every record's outcome to this run step, in the statement that writes the states. */
    log?: { runId: number; stepId: number };
  } = {},
): Promise<MatchReport> {
  const scope =
    options.recordIds === undefined
      ? sql``
      : sql`AND r.id = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(options.recordIds)}::jsonb))::bigint[])`;
  const records = await store.query<RecordRow>(sql`
    SELECT r.id, r.affinity_type, r.affinity_id, r.name, r.domain_keys, r.match_status, r.match_kind,
           r.match_entity_id, r.matched_by
    FROM crm_records r
    WHERE r.connection_id = ${connectionId} AND r.review_decision IS NULL ${scope}
    ORDER BY r.id`);
  const byRecord = new Map<number, Candidate[]>();
  const add = (rows: CandidateRow[]) => {
    for (const c of rows) {
      const list = byRecord.get(c.rid) ?? [];
      list.push({ kind: c.kind, id: c.eid, name: c.name, by: c.by });
      byRecord.set(c.rid, list);
    }
  };

  add(
    await store.query<CandidateRow>(sql`
    WITH recs AS (
      SELECT r.id, r.name, r.domain_keys FROM crm_records r
      WHERE r.connection_id = ${connectionId} AND r.affinity_type = 'organization' AND r.review_decision IS NULL ${scope}
    ),
    keys AS (SELECT recs.id, k FROM recs, unnest(recs.domain_keys) AS k),
    dom AS (
      SELECT keys.id AS rid, 'company' AS kind, c.id AS eid, c.name, 'domain' AS by
      FROM keys JOIN intel_companies c ON c.domain = keys.k
      UNION
      SELECT keys.id, 'company', c.id, c.name, 'domain'
      FROM keys JOIN (SELECT id, name, unnest(other_domains) AS od FROM intel_companies) c ON c.od = keys.k
      UNION
      SELECT keys.id, 'investor', i.id, i.name, 'domain'
      FROM keys JOIN intel_investors i ON i.domain = keys.k
    ),
    unresolved AS (SELECT recs.id, recs.name FROM recs WHERE NOT EXISTS (SELECT 1 FROM dom WHERE dom.rid = recs.id))
    SELECT rid, kind, eid, name, by FROM dom
    UNION ALL
    SELECT u.id, 'company', c.id, c.name, 'name' FROM unresolved u JOIN intel_companies c ON lower(c.name) = lower(u.name)
    UNION ALL
    SELECT u.id, 'investor', i.id, i.name, 'name' FROM unresolved u JOIN intel_investors i ON lower(i.name) = lower(u.name)`),
  );

  // A few records look their emails up in the GIN index; every record of the connection joins
  // the people's emails by hash instead: one pass over the people rather than an index probe per
  // email, which also stays fast while the index has a long pending list after a bulk import.
  const byEmail =
    options.recordIds === undefined
      ? sql`SELECT keys.id AS rid, 'person' AS kind, p.id AS eid, p.name, 'email' AS by
      FROM (SELECT recs.id, k FROM recs, unnest(recs.email_keys) AS k) keys
      JOIN (SELECT p.id, p.name, e FROM intel_people p, unnest(p.emails) AS e) p ON p.e = keys.k`
      : sql`SELECT recs.id AS rid, 'person' AS kind, p.id AS eid, p.name, 'email' AS by
      FROM recs, unnest(recs.email_keys) AS k JOIN intel_people p ON p.emails @> ARRAY[k]`;
  add(
    await store.query<CandidateRow>(sql`
    WITH recs AS (
      SELECT r.id, r.email_keys, r.linkedin_url FROM crm_records r
      WHERE r.connection_id = ${connectionId} AND r.affinity_type = 'person' AND r.review_decision IS NULL ${scope}
    ),
    em AS (${byEmail})
    SELECT DISTINCT rid, kind, eid, name, by FROM em
    UNION ALL
    SELECT recs.id, 'person', p.id, p.name, 'linkedin' FROM recs JOIN intel_people p ON p.linkedin_url = recs.linkedin_url
    WHERE recs.linkedin_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM em WHERE em.rid = recs.id)`),
  );

  const results: MatchChange[] = [];
  const orgResult = new Map<number, MatchResult>();
  for (const r of records) {
    if (r.affinity_type === 'opportunity') continue;
    const result = decide(r.affinity_type, r.domain_keys.length > 0, byRecord.get(r.id) ?? []);
    if (r.affinity_type === 'organization') orgResult.set(r.affinity_id, result);
    results.push({
      recordId: r.id,
      affinityType: r.affinity_type,
      affinityId: r.affinity_id,
      name: r.name,
      previous: r.match_status,
      result,
    });
  }

  // Opportunities go through their organizations' current state (decided above or stored).
  const oppRows = records.filter((r) => r.affinity_type === 'opportunity');
  if (oppRows.length > 0) {
    const orgs = await store.query<{
      opp: number;
      org: number;
      match_status: MatchStatus;
      match_kind: EntityKind | null;
      match_entity_id: number | null;
      name: string;
    }>(sql`
      SELECT r.id AS opp, o.affinity_id AS org, o.match_status, o.match_kind, o.match_entity_id, o.name
      FROM crm_records r CROSS JOIN unnest(r.organization_ids) AS oid
      JOIN crm_records o ON o.connection_id = r.connection_id AND o.affinity_type = 'organization' AND o.affinity_id = oid
      WHERE r.connection_id = ${connectionId} AND r.affinity_type = 'opportunity' AND r.review_decision IS NULL ${scope}`);
    const perOpp = new Map<number, typeof orgs>();
    for (const o of orgs) perOpp.set(o.opp, [...(perOpp.get(o.opp) ?? []), o]);
    for (const r of oppRows) {
      const cands: Candidate[] = [];
      let anyAmbiguous = false;
      for (const o of perOpp.get(r.id) ?? []) {
        const fresh = orgResult.get(o.org);
        if (fresh) {
          if (fresh.status === 'matched')
            cands.push({ kind: fresh.kind, id: fresh.entityId, name: o.name, by: 'organization' });
          if (fresh.status === 'ambiguous') anyAmbiguous = true;
        } else if (o.match_status === 'matched' && o.match_kind !== null && o.match_entity_id !== null) {
          cands.push({ kind: o.match_kind, id: o.match_entity_id, name: o.name, by: 'organization' });
        } else if (o.match_status === 'ambiguous') anyAmbiguous = true;
      }
      const found = distinctEntities(cands);
      const only = found[0];
      const result: MatchResult =
        found.length === 1 && only
          ? { status: 'matched', kind: only.kind, entityId: only.id, by: 'organization', candidates: found }
          : found.length > 1 || anyAmbiguous
            ? { status: 'ambiguous', candidates: found }
            : { status: 'unmatched', candidates: [] };
      results.push({
        recordId: r.id,
        affinityType: r.affinity_type,
        affinityId: r.affinity_id,
        name: r.name,
        previous: r.match_status,
        result,
      });
    }
  }

  const before = new Map(records.map((r) => [r.id, r]));
  const changed = results.filter((c) => {
    const b = before.get(c.recordId);
    if (!b) return true;
    const res = c.result;
    if (res.status !== b.match_status) return true;
    if (res.status !== 'matched') return res.status === 'ambiguous';
    return b.match_kind !== res.kind || b.match_entity_id !== res.entityId || b.matched_by !== res.by;
  });
  const changedIds = new Set(changed.map((c) => c.recordId));
  const rows = (options.log ? results : changed).map((c) => ({
    id: c.recordId,
    u: changedIds.has(c.recordId),
    s: c.result.status,
    k: c.result.status === 'matched' ? c.result.kind : null,
    e: c.result.status === 'matched' ? c.result.entityId : null,
    b: c.result.status === 'matched' ? c.result.by : null,
    c: c.result.candidates,
    ...(options.log
      ? { t: c.affinityType, a: c.affinityId, m: outcomeMessage(c.result), p: c.previous, n: c.name }
      : {}),
  }));
  if (rows.length > 0) {
    // The rows travel once; the states that changed are written and, when logging, every outcome.
    const log = options.log
      ? sql`, logged AS (
          INSERT INTO sync_run_records (run_id, step_id, outcome, entity_kind, entity_id, affinity_type, affinity_id, message, details)
          SELECT ${options.log.runId}::bigint, ${options.log.stepId}::bigint, t.s, t.k, t.e, t.t, t.a, t.m,
            jsonb_build_object('crmId', t.id, 'name', t.n, 'previous', t.p)
          FROM t
        )`
      : sql``;
    await store.query(sql`
      WITH t AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS t(id bigint, u boolean, s text, k text, e bigint, b text, c jsonb, t text, a bigint, m text, p text, n text)
      ),
      upd AS (
        UPDATE crm_records r SET match_status = t.s, match_kind = t.k, match_entity_id = t.e, matched_by = t.b,
          candidates = t.c, updated_at = now()
        FROM t
        WHERE t.u AND r.id = t.id
          AND (r.match_status, r.match_kind, r.match_entity_id, r.matched_by, r.candidates)
              IS DISTINCT FROM (t.s, t.k, t.e, t.b, t.c)
      )${log}
      SELECT 1`);
  }
  const linksAdded = await recordLinks(store, connectionId);
  const counts: Record<MatchStatus, number> = { matched: 0, ambiguous: 0, unmatched: 0 };
  for (const c of results) counts[c.result.status]++;
  const reallyChanged = changed.filter(
    (c) => before.get(c.recordId)?.match_status !== c.result.status,
  ).length;
  return { counts, results, changed: reallyChanged, linksAdded };
}

/** The activity-log message of a match outcome: how it matched, or the competing candidates. */
export function outcomeMessage(r: MatchResult): string | null {
  if (r.status === 'matched') return `matched by ${r.by}`;
  if (r.status === 'ambiguous')
    return `${r.candidates.length} candidates: ${r.candidates.map((x) => `${x.kind} ${x.id} (${x.by})`).join(', ')}`;
  return null;
}

/**
 * Records a link for every matched record of the connection that has none yet (one statement).
 * An entity already linked to an Affinity record of that type keeps its link: a push or a review
 * made it deliberately.
 */
export async function recordLinks(store: Store, connectionId: number): Promise<number> {
  const out = await store.query<{ id: number }>(sql`
    INSERT INTO sync_links (connection_id, entity_kind, entity_id, affinity_type, affinity_id, linked_by)
    SELECT DISTINCT ON (r.match_kind, r.match_entity_id, r.affinity_type)
      r.connection_id, r.match_kind, r.match_entity_id, r.affinity_type, r.affinity_id,
      CASE r.matched_by WHEN 'organization' THEN 'pull' ELSE r.matched_by END
    FROM crm_records r
    WHERE r.connection_id = ${connectionId} AND r.match_status = 'matched'
      AND r.match_kind IS NOT NULL AND r.match_entity_id IS NOT NULL
    ORDER BY r.match_kind, r.match_entity_id, r.affinity_type, r.id
    ON CONFLICT (connection_id, entity_kind, entity_id, affinity_type) DO NOTHING
    RETURNING id`);
  return out.length;
}
