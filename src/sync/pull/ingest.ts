import { type SQL, sql } from 'drizzle-orm';
import type { FieldValue, ListEntry } from '../../affinity/index.js';
import { normaliseDomain, normaliseEmail, normaliseLinkedinUrl } from '../../intelligence/index.js';
import {
  type CopyColumn,
  type Db,
  encodeCopyRows,
  type Stage,
  type Store,
  stageRows,
} from '../../store/index.js';
import { decisionSql, type MatchStatus, newLinksSql, outcomeLogSql } from './matching.js';

/**
 * Set-based ingest of pulled Affinity data into My CRM: each batch (a page of list entries, the
 * field values of a batch of records) is written with one statement per table, the rows travelling
 * as one JSON parameter. Rows whose values did not change are not written, so a re-pull reports
 * exactly what changed.
 */

export type AffinityType = 'organization' | 'person' | 'opportunity';

/** Affinity list/entity type code → our name. */
export function affinityTypeOf(listType: number): AffinityType {
  return listType === 0 ? 'person' : listType === 1 ? 'organization' : 'opportunity';
}

/** A record's identity as a list entry carries it. */
export interface RecordIdentity {
  affinityType: AffinityType;
  affinityId: number;
  name: string;
  domains: string[];
  emails: string[];
  domainKeys: string[];
  emailKeys: string[];
}

export interface MembershipRow {
  affinityListId: number;
  listEntryId: number;
  affinityType: AffinityType;
  affinityId: number;
  entryCreatedAt: string | null;
}

function uniq(values: Iterable<string | null>): string[] {
  const out = new Set<string>();
  for (const v of values) if (v !== null && v !== '') out.add(v);
  return [...out];
}

/** The identity of the entity behind a list entry (organizations: domains; persons: emails). */
export function identityOf(entry: ListEntry, type: AffinityType): RecordIdentity {
  const e = (entry.entity ?? {}) as {
    name?: string | null;
    first_name?: string | null;
    last_name?: string | null;
    domain?: string | null;
    domains?: string[];
    primary_email?: string | null;
    emails?: string[];
  };
  if (type === 'person') {
    const emails = uniq([e.primary_email ?? null, ...(e.emails ?? [])]);
    const name = [e.first_name, e.last_name].filter((s) => s).join(' ');
    return {
      affinityType: type,
      affinityId: entry.entity_id,
      name: name === '' ? (emails[0] ?? `person ${entry.entity_id}`) : name,
      domains: [],
      emails,
      domainKeys: [],
      emailKeys: uniq(emails.map(normaliseEmail)),
    };
  }
  if (type === 'organization') {
    const domains = uniq([e.domain ?? null, ...(e.domains ?? [])]);
    return {
      affinityType: type,
      affinityId: entry.entity_id,
      name: e.name ?? domains[0] ?? `organization ${entry.entity_id}`,
      domains,
      emails: [],
      domainKeys: uniq(domains.map(normaliseDomain)),
      emailKeys: [],
    };
  }
  return {
    affinityType: type,
    affinityId: entry.entity_id,
    name: e.name ?? `opportunity ${entry.entity_id}`,
    domains: [],
    emails: [],
    domainKeys: [],
    emailKeys: [],
  };
}

export interface ChangedRecord {
  id: number;
  affinityType: AffinityType;
  affinityId: number;
  inserted: boolean;
}

const json = (rows: unknown): SQL => sql`${JSON.stringify(rows)}::jsonb`;

/** The columns of a page's staged entries: list entry, Affinity id, entry date, then the identity. */
const PAGE_COLUMNS: CopyColumn[] = [
  { key: 'le', kind: 'scalar' },
  { key: 'a', kind: 'scalar' },
  { key: 'c', kind: 'scalar' },
  { key: 'n', kind: 'scalar' },
  { key: 'd', kind: 'array' },
  { key: 'e', kind: 'array' },
  { key: 'dk', kind: 'array' },
  { key: 'ek', kind: 'array' },
];

/** Where a page's entries wait for the statement that writes them. */
const PAGE_STAGE: Stage = {
  name: 'pull_page',
  columns: sql`le bigint, a bigint, c text, n text, d text[], e text[], dk text[], ek text[]`,
};

/**
 * Inserts or updates records by identity in one statement. New records start `listed` (or
 * `related`); an existing record's identity is rewritten only when it changed, and a record that
 * had left every list is listed again. Match state and review decisions are never touched here.
 * Returns the records inserted or changed.
 */
export async function upsertRecords(
  store: Store,
  connectionId: number,
  records: readonly RecordIdentity[],
  presence: 'listed' | 'related' = 'listed',
): Promise<ChangedRecord[]> {
  if (records.length === 0) return [];
  // One row per key (an entity may be on a list twice), in key order so concurrent batches on
  // PostgreSQL take row locks in the same order.
  const byKey = new Map<string, RecordIdentity>();
  for (const r of records) byKey.set(`${r.affinityType}:${r.affinityId}`, r);
  const rows = [...byKey.values()]
    .sort((a, b) => a.affinityType.localeCompare(b.affinityType) || a.affinityId - b.affinityId)
    .map((r) => ({
      t: r.affinityType,
      a: r.affinityId,
      n: r.name,
      d: r.domains,
      e: r.emails,
      dk: r.domainKeys,
      ek: r.emailKeys,
    }));
  const listed = presence === 'listed';
  // Seen on a list: listed again whatever it was; seen as an opportunity's organization: unchanged.
  const presenceSet = listed ? sql`'listed'` : sql`crm_records.presence`;
  const offListSet = listed ? sql`NULL` : sql`crm_records.off_list_since`;
  const relisted = listed ? sql`OR crm_records.presence <> 'listed'` : sql``;
  const out = await store.query<{
    id: number;
    affinity_type: AffinityType;
    affinity_id: number;
    inserted: boolean;
  }>(sql`
    INSERT INTO crm_records (connection_id, affinity_type, affinity_id, name, domains, emails, domain_keys, email_keys, presence)
    SELECT ${connectionId}, t.t, t.a, t.n, t.d, t.e, t.dk, t.ek, ${presence}
    FROM jsonb_to_recordset(${json(rows)}) AS t(t text, a bigint, n text, d text[], e text[], dk text[], ek text[])
    ON CONFLICT (connection_id, affinity_type, affinity_id) DO UPDATE SET
      name = excluded.name, domains = excluded.domains, emails = excluded.emails,
      domain_keys = excluded.domain_keys, email_keys = excluded.email_keys,
      presence = ${presenceSet}, off_list_since = ${offListSet}, updated_at = now()
    WHERE (crm_records.name, crm_records.domains, crm_records.emails) IS DISTINCT FROM (excluded.name, excluded.domains, excluded.emails)
      ${relisted}
    RETURNING id, affinity_type, affinity_id, (xmax = 0) AS inserted`);
  return out.map((r) => ({
    id: r.id,
    affinityType: r.affinity_type,
    affinityId: r.affinity_id,
    inserted: r.inserted,
  }));
}

/** What one page of list entries did to My CRM. */
export interface PageIngest {
  newRecords: number;
  updatedRecords: number;
  /** New memberships (entries not seen on the list before), new records' included. */
  added: number;
  /** Outcomes written to the activity log, by outcome. */
  logged: { fetched: number; updated: number; 'added-to-list': number };
  /** With `match`: the new records, matched as they were written. */
  matched?: InlineMatch;
}

/** The new records of a page, matched in the statement that wrote them. */
export interface InlineMatch {
  /** Their Affinity ids: these need no other matching pass in this run. */
  affinityIds: number[];
  counts: Record<MatchStatus, number>;
  linksAdded: number;
}

/**
 * Ingests one page of list entries in a single statement: the records (inserted, or rewritten
 * only when their identity changed or they come back to a list), the new memberships, and the
 * activity-log outcomes of both (`fetched`, `updated`, and `added-to-list` for existing records
 * joining the list) as at most one batch row per outcome — the page travelling once, as one JSON
 * parameter, parsed once. Memberships already known are not touched: a complete walk of the list
 * removes the unseen ones once, with `removeUnseenMemberships`.
 */
export async function ingestPage(
  store: Store,
  target: {
    connectionId: number;
    listId: number;
    type: AffinityType;
    runId: number;
    stepId: number;
    /** The list was pulled before: most of its records are already in My CRM. */
    repull?: boolean;
    /**
     * Match the records this page adds to My CRM as they are written (organizations and persons),
     * logging their outcomes to this step and linking them for push: a new record is written
     * once, with its match, instead of being written and then rewritten by a matching pass.
     */
    match?: { stepId: number };
  },
  entries: ReadonlyArray<{ listEntryId: number; createdAt: string | null; identity: RecordIdentity }>,
): Promise<PageIngest> {
  const none = { newRecords: 0, updatedRecords: 0, added: 0 };
  if (entries.length === 0) return { ...none, logged: { fetched: 0, updated: 0, 'added-to-list': 0 } };
  const { connectionId, listId, type, runId, stepId } = target;
  const match = type === 'opportunity' ? undefined : target.match;
  // Keeps the entries whose record is not in My CRM (with `also`: not so): a probe per entry, kept from
  // becoming a join (which would read all the connection's records) by its LIMIT. Only a re-pull
  // probes; on a first pull of the list most entries are new.
  const unknown = (also: SQL = sql``) =>
    target.repull
      ? sql`WHERE (SELECT 1 FROM crm_records r
             WHERE r.connection_id = ${connectionId} AND r.affinity_type = ${type} AND r.affinity_id = src.a ${also}
             LIMIT 1) IS NULL`
      : sql``;
  // A record already listed as it is is left alone: the upsert would lock its row even to change
  // nothing.
  const unchanged = unknown(
    sql`AND r.presence = 'listed' AND (r.name, r.domains, r.emails) IS NOT DISTINCT FROM (src.n, src.d, src.e)`,
  );
  // The page's records are decided by the rules of matchRecords, keyed by their Affinity id; those
  // the statement inserts are written with their decision, and their outcomes and links recorded
  // with them. Records already in My CRM keep their state here; a re-pull spares deciding them, a
  // first pull decides the few it meets and keeps only the decisions of the records it inserts.
  const newOnly = unknown();
  const decide = match
    ? sql`
    recs AS MATERIALIZED (
      SELECT DISTINCT ON (src.a) src.a AS id, ${type}::text AS t, src.a AS a, src.n AS name,
        src.dk AS domain_keys, src.ek AS email_keys, NULL::text AS linkedin_url, '{}'::bigint[] AS organization_ids,
        'unmatched'::text AS match_status, NULL::text AS match_kind, NULL::bigint AS match_entity_id,
        NULL::text AS matched_by, '[]'::jsonb AS candidates
      FROM src ${newOnly}
      ORDER BY src.a
    ),
    ${decisionSql(connectionId, { type, probe: true })},`
    : sql``;
  const matchColumns = match
    ? sql`, match_status, match_kind, match_entity_id, matched_by, candidates`
    : sql``;
  const matchValues = match
    ? sql`, COALESCE(dec.s, 'unmatched'), dec.k, dec.e, dec.b, COALESCE(dec.c, '[]'::jsonb)`
    : sql``;
  const matchJoin = match ? sql`LEFT JOIN dec ON dec.id = src.a` : sql``;
  const matchLog = match
    ? sql`,
    mdec AS MATERIALIZED (
      SELECT rec.id, dec.t, dec.a, dec.name, dec.prev, dec.s, dec.k, dec.e, dec.b, dec.m, dec.changed
      FROM rec JOIN dec ON dec.id = rec.affinity_id WHERE rec.inserted
    ),
    mlogged AS (${outcomeLogSql({ runId, stepId: match.stepId }, sql`mdec`)}),
    mlinked AS (${newLinksSql(connectionId, sql`mdec`)})`
    : sql``;
  const matchOut = match
    ? sql`,
           (SELECT array_agg(a) FROM mdec) AS matched_ids,
           (SELECT count(*) FROM mdec WHERE s = 'matched')::int AS matched,
           (SELECT count(*) FROM mdec WHERE s = 'ambiguous')::int AS ambiguous,
           (SELECT count(*) FROM mdec WHERE s = 'unmatched')::int AS unmatched,
           (SELECT count(*) FROM mlinked)::int AS links`
    : sql``;
  const rows = entries.map((e) => ({
    le: e.listEntryId,
    a: e.identity.affinityId,
    c: e.createdAt,
    n: e.identity.name,
    d: e.identity.domains,
    e: e.identity.emails,
    dk: e.identity.domainKeys,
    ek: e.identity.emailKeys,
  }));
  // The page reaches the database through COPY into a staging table (both backends parse it far
  // faster than JSON); staging and statement share one transaction, so one connection.
  const [out] = await store.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    await stageRows(
      store,
      tx,
      PAGE_STAGE,
      PAGE_COLUMNS.map((c) => c.key),
      encodeCopyRows(PAGE_COLUMNS, rows),
    );
    // Planned once per list and run: PGlite would otherwise spend on planning this statement
    // about a third of what it spends running it, page after page.
    return store.queryPlanned<{
      new_records: number;
      updated_records: number;
      added: number;
      joined: number;
      matched_ids?: number[] | null;
      matched?: number;
      ambiguous?: number;
      unmatched?: number;
      links?: number;
    }>(
      sql`
    WITH src AS MATERIALIZED (SELECT * FROM pull_page),${decide}
    rec AS (
      INSERT INTO crm_records (connection_id, affinity_type, affinity_id, name, domains, emails, domain_keys, email_keys, presence${matchColumns})
      SELECT DISTINCT ON (src.a) ${connectionId}::bigint, ${type}::text, src.a, src.n, src.d, src.e, src.dk, src.ek, 'listed'${matchValues}
      FROM src ${matchJoin} ${unchanged}
      ORDER BY src.a
      ON CONFLICT (connection_id, affinity_type, affinity_id) DO UPDATE SET
        name = excluded.name, domains = excluded.domains, emails = excluded.emails,
        domain_keys = excluded.domain_keys, email_keys = excluded.email_keys,
        presence = 'listed', off_list_since = NULL, updated_at = now()
      WHERE (crm_records.name, crm_records.domains, crm_records.emails) IS DISTINCT FROM (excluded.name, excluded.domains, excluded.emails)
        OR crm_records.presence <> 'listed'
      RETURNING id, affinity_id, name, domains[1] AS domain, emails[1] AS email, (xmax = 0) AS inserted
    ),
    mem AS (
      INSERT INTO crm_memberships (connection_id, affinity_list_id, list_entry_id, affinity_type, affinity_id, entry_created_at, last_run_id)
      SELECT ${connectionId}::bigint, ${listId}::bigint, src.le, ${type}::text, src.a, src.c::timestamptz, ${runId}::bigint
      FROM src ORDER BY src.le
      ON CONFLICT (connection_id, affinity_list_id, list_entry_id) DO NOTHING
      RETURNING list_entry_id, affinity_id
    ),
    -- A new record is added to the list by definition; only existing ones joining it are logged.
    joined AS MATERIALIZED (
      SELECT mem.list_entry_id, mem.affinity_id, src.n AS name, src.d[1] AS domain, src.e[1] AS email
      FROM mem JOIN src ON src.le = mem.list_entry_id
      WHERE NOT EXISTS (SELECT 1 FROM rec WHERE rec.inserted AND rec.affinity_id = mem.affinity_id)
    ),
    -- One batch row per outcome, its items packed by column (see packOutcomeItems).
    logged AS (
      INSERT INTO sync_run_records (run_id, step_id, outcome, affinity_type, message, details, items)
      SELECT ${runId}::bigint, ${stepId}::bigint, o.outcome, ${type}::text, o.message,
        jsonb_build_object('listId', ${listId}::bigint), o.items
      FROM (
        SELECT 'fetched' AS outcome, 'new in My CRM' AS message, count(*) AS n,
          jsonb_build_object('count', count(*), 'affinityId', array_agg(rec.affinity_id ORDER BY rec.affinity_id),
            'details', jsonb_build_object('crmId', array_agg(rec.id ORDER BY rec.affinity_id),
              ${namedColumns(type, sql`rec`, sql`rec.affinity_id`)})) AS items
        FROM rec WHERE rec.inserted
        UNION ALL
        SELECT 'updated', 'identity changed in Affinity', count(*),
          jsonb_build_object('count', count(*), 'affinityId', array_agg(rec.affinity_id ORDER BY rec.affinity_id),
            'details', jsonb_build_object('crmId', array_agg(rec.id ORDER BY rec.affinity_id),
              ${namedColumns(type, sql`rec`, sql`rec.affinity_id`)}))
        FROM rec WHERE NOT rec.inserted
        UNION ALL
        SELECT 'added-to-list', NULL, count(*),
          jsonb_build_object('count', count(*), 'affinityId', array_agg(joined.affinity_id ORDER BY joined.list_entry_id),
            'details', jsonb_build_object('listEntryId', array_agg(joined.list_entry_id ORDER BY joined.list_entry_id),
              ${namedColumns(type, sql`joined`, sql`joined.list_entry_id`)}))
        FROM joined
      ) o
      WHERE o.n > 0
    )${matchLog}
    SELECT (SELECT count(*) FROM rec WHERE inserted)::int AS new_records,
           (SELECT count(*) FROM rec WHERE NOT inserted)::int AS updated_records,
           (SELECT count(*) FROM mem)::int AS added,
           (SELECT count(*) FROM joined)::int AS joined${matchOut}`,
      tx,
    );
  });
  const newRecords = out?.new_records ?? 0;
  const updatedRecords = out?.updated_records ?? 0;
  return {
    newRecords,
    updatedRecords,
    added: out?.added ?? 0,
    logged: { fetched: newRecords, updated: updatedRecords, 'added-to-list': out?.joined ?? 0 },
    ...(match
      ? {
          matched: {
            affinityIds: (out?.matched_ids ?? []).map(Number),
            counts: {
              matched: out?.matched ?? 0,
              ambiguous: out?.ambiguous ?? 0,
              unmatched: out?.unmatched ?? 0,
            },
            linksAdded: out?.links ?? 0,
          },
        }
      : {}),
  };
}

/**
 * The columns naming the records of an outcome batch (`name`, and `domain` for organizations or
 * `email` for persons), aggregated from `source` (columns `name`, `domain`, `email`) in `order`,
 * so the activity log says which record, not only its id.
 */
function namedColumns(type: AffinityType, source: SQL, order: SQL): SQL {
  const key =
    type === 'organization'
      ? sql`, 'domain', array_agg(${source}.domain ORDER BY ${order})`
      : type === 'person'
        ? sql`, 'email', array_agg(${source}.email ORDER BY ${order})`
        : sql``;
  return sql`'name', array_agg(${source}.name ORDER BY ${order})${key}`;
}

/**
 * Records the new entries of a page, first seen by `runId` (one statement); known entries are not
 * rewritten. Returns the entries that are new memberships.
 */
export async function upsertMemberships(
  store: Store,
  connectionId: number,
  runId: number,
  entries: readonly MembershipRow[],
): Promise<MembershipRow[]> {
  if (entries.length === 0) return [];
  const rows = [...entries]
    .sort((a, b) => a.listEntryId - b.listEntryId)
    .map((e) => ({
      l: e.affinityListId,
      le: e.listEntryId,
      t: e.affinityType,
      a: e.affinityId,
      c: e.entryCreatedAt,
    }));
  const out = await store.query<{ list_entry_id: number }>(sql`
    INSERT INTO crm_memberships (connection_id, affinity_list_id, list_entry_id, affinity_type, affinity_id, entry_created_at, last_run_id)
    SELECT ${connectionId}, t.l, t.le, t.t, t.a, t.c::timestamptz, ${runId}
    FROM jsonb_to_recordset(${json(rows)}) AS t(l bigint, le bigint, t text, a bigint, c text)
    ON CONFLICT (connection_id, affinity_list_id, list_entry_id) DO NOTHING
    RETURNING list_entry_id`);
  const added = new Set(out.map((r) => r.list_entry_id));
  return entries.filter((e) => added.has(e.listEntryId));
}

/** Whether the connection holds entries of this list, from an earlier pull. */
export async function listPulledBefore(store: Store, connectionId: number, listId: number): Promise<boolean> {
  const rows = await store.query(sql`
    SELECT 1 FROM crm_memberships WHERE connection_id = ${connectionId} AND affinity_list_id = ${listId} LIMIT 1`);
  return rows.length > 0;
}

/** What the end of a complete walk of a list changed. */
export interface ListWalkEnd {
  /** Entries gone from the list: their memberships were dropped. */
  removed: number;
  /** Records that thereby left every list: kept, marked `off-list`. */
  offList: number;
}

/**
 * Ends a complete walk of a list in one statement: drops the memberships of the list the walk did
 * not see (`seenEntryIds`, the list entry ids of every page) — those entries are gone from the
 * list in Affinity — and marks `off-list` (kept, never deleted) the records that thereby have no
 * membership left on any list. Both are logged: the removals to the list's step, the records that
 * left every list to `offListStep`. Walks of several lists must end one at a time (each sees the
 * memberships the others left).
 */
export async function endListWalk(
  store: Store,
  target: { connectionId: number; listId: number; listName: string; runId: number; stepId: number },
  offListStep: number,
  seenEntryIds: Iterable<number>,
): Promise<ListWalkEnd> {
  const { connectionId, listId, runId, stepId } = target;
  const [out] = await store.query<{ removed: number; off_list: number }>(sql`
    WITH gone AS MATERIALIZED (
      DELETE FROM crm_memberships m
      WHERE m.connection_id = ${connectionId} AND m.affinity_list_id = ${listId}
        AND NOT (m.list_entry_id = ANY(${bigintArray(seenEntryIds)}::bigint[]))
      RETURNING m.list_entry_id, m.affinity_type, m.affinity_id
    ),
    -- The statement still sees the memberships it deletes: they do not count as left.
    lost AS MATERIALIZED (
      UPDATE crm_records r SET presence = 'off-list', off_list_since = now(), updated_at = now()
      FROM (SELECT DISTINCT affinity_type, affinity_id FROM gone) g
      WHERE r.connection_id = ${connectionId} AND r.affinity_type = g.affinity_type
        AND r.affinity_id = g.affinity_id AND r.presence = 'listed'
        AND NOT EXISTS (
          SELECT 1 FROM crm_memberships m
          WHERE m.connection_id = r.connection_id AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id
            AND NOT EXISTS (SELECT 1 FROM gone WHERE gone.list_entry_id = m.list_entry_id))
      RETURNING r.id, r.affinity_type, r.affinity_id, r.name, r.domains[1] AS domain, r.emails[1] AS email
    ),
    named AS (
      SELECT gone.list_entry_id, gone.affinity_type, gone.affinity_id, r.name, r.domains[1] AS domain, r.emails[1] AS email
      FROM gone LEFT JOIN crm_records r ON r.connection_id = ${connectionId}
        AND r.affinity_type = gone.affinity_type AND r.affinity_id = gone.affinity_id
    ),
    logged AS (
      INSERT INTO sync_run_records (run_id, step_id, outcome, message, details, items)
      SELECT ${runId}::bigint, ${stepId}::bigint, 'removed', ${`removed from list ${target.listName}`},
        jsonb_build_object('listId', ${listId}::bigint),
        jsonb_build_object('count', count(*),
          'affinityType', array_agg(named.affinity_type ORDER BY named.list_entry_id),
          'affinityId', array_agg(named.affinity_id ORDER BY named.list_entry_id),
          'details', jsonb_build_object('listEntryId', array_agg(named.list_entry_id ORDER BY named.list_entry_id),
            'name', array_agg(named.name ORDER BY named.list_entry_id),
            'domain', array_agg(named.domain ORDER BY named.list_entry_id),
            'email', array_agg(named.email ORDER BY named.list_entry_id)))
      FROM named HAVING count(*) > 0
      UNION ALL
      SELECT ${runId}::bigint, ${offListStep}::bigint, 'removed', 'no longer on any pulled list (kept, marked off-list)',
        '{}'::jsonb,
        jsonb_build_object('count', count(*),
          'affinityType', array_agg(lost.affinity_type ORDER BY lost.id),
          'affinityId', array_agg(lost.affinity_id ORDER BY lost.id),
          'details', jsonb_build_object('crmId', array_agg(lost.id ORDER BY lost.id), 'name', array_agg(lost.name ORDER BY lost.id),
            'domain', array_agg(lost.domain ORDER BY lost.id), 'email', array_agg(lost.email ORDER BY lost.id)))
      FROM lost HAVING count(*) > 0
    )
    SELECT (SELECT count(*) FROM gone)::int AS removed, (SELECT count(*) FROM lost)::int AS off_list`);
  return { removed: out?.removed ?? 0, offList: out?.off_list ?? 0 };
}

/** A PostgreSQL array literal of integers: one short text parameter, however many ids. */
function bigintArray(ids: Iterable<number>): string {
  let out = '{';
  for (const id of ids) out += out.length === 1 ? String(id) : `,${id}`;
  return `${out}}`;
}

/** Sets the organizations of opportunities (one statement); returns how many changed. */
export async function setOpportunityOrganizations(
  store: Store,
  connectionId: number,
  rows: ReadonlyArray<{ affinityId: number; organizationIds: number[] }>,
): Promise<number> {
  if (rows.length === 0) return 0;
  const data = rows.map((r) => ({ a: r.affinityId, o: [...r.organizationIds].sort((x, y) => x - y) }));
  const out = await store.query<{ id: number }>(sql`
    UPDATE crm_records r SET organization_ids = t.o, updated_at = now()
    FROM jsonb_to_recordset(${json(data)}) AS t(a bigint, o bigint[])
    WHERE r.connection_id = ${connectionId} AND r.affinity_type = 'opportunity' AND r.affinity_id = t.a
      AND r.organization_ids IS DISTINCT FROM t.o
    RETURNING r.id`);
  return out.length;
}

/** What we know of a field, from `GET /fields`. */
export interface FieldInfo {
  name: string;
  valueType: number;
  listId: number | null;
}

export interface RecordFieldValues {
  affinityType: AffinityType;
  affinityId: number;
  values: FieldValue[];
}

/**
 * Writes the field values of a batch of records, typed by their fields: inserts new values,
 * updates changed ones, and deletes the values these records no longer have (three statements for
 * the whole batch). A person's LinkedIn URL field also becomes the record's `linkedin_url`, which
 * matching uses. Returns how many values were inserted, updated and deleted.
 */
export async function writeFieldValues(
  store: Store,
  connectionId: number,
  batch: readonly RecordFieldValues[],
  fields: ReadonlyMap<number, FieldInfo>,
): Promise<{ inserted: number; updated: number; deleted: number }> {
  if (batch.length === 0) return { inserted: 0, updated: 0, deleted: 0 };
  const rows: Array<Record<string, unknown>> = [];
  const linkedin: Array<{ a: number; u: string | null }> = [];
  for (const rec of batch) {
    let url: string | null = null;
    for (const v of rec.values) {
      const f = fields.get(v.field_id);
      rows.push({
        t: rec.affinityType,
        a: rec.affinityId,
        fv: v.id,
        f: v.field_id,
        fn: f?.name ?? `field ${v.field_id}`,
        vt: f?.valueType ?? v.value_type ?? 6,
        le: v.list_entry_id ?? null,
        l: f?.listId ?? null,
        v: v.value ?? null,
        u: v.updated_at ?? v.created_at ?? null,
      });
      if (
        rec.affinityType === 'person' &&
        f !== undefined &&
        /linkedin/i.test(f.name) &&
        typeof v.value === 'string'
      ) {
        url = normaliseLinkedinUrl(v.value) ?? url;
      }
    }
    if (rec.affinityType === 'person') linkedin.push({ a: rec.affinityId, u: url });
  }
  rows.sort((x, y) => (x.fv as number) - (y.fv as number));
  const owners = batch.map((r) => ({ t: r.affinityType, a: r.affinityId }));
  const seen = rows.map((r) => r.fv as number);
  const deleted = await store.query<{ id: number }>(sql`
    DELETE FROM crm_field_values v USING jsonb_to_recordset(${json(owners)}) AS o(t text, a bigint)
    WHERE v.connection_id = ${connectionId} AND v.affinity_type = o.t AND v.affinity_id = o.a
      AND NOT (v.field_value_id = ANY(${sql`ARRAY(SELECT jsonb_array_elements_text(${json(seen)}))::bigint[]`}))
    RETURNING v.id`);
  const written =
    rows.length === 0
      ? []
      : await store.query<{ inserted: boolean }>(sql`
    INSERT INTO crm_field_values (connection_id, affinity_type, affinity_id, field_value_id, field_id, field_name, value_type, list_entry_id, list_id, value, value_updated_at)
    SELECT ${connectionId}, t.t, t.a, t.fv, t.f, t.fn, t.vt, t.le, t.l, t.v, t.u
    FROM jsonb_to_recordset(${json(rows)}) AS t(t text, a bigint, fv bigint, f bigint, fn text, vt int, le bigint, l bigint, v jsonb, u text)
    ON CONFLICT (connection_id, field_value_id) DO UPDATE SET
      value = excluded.value, value_updated_at = excluded.value_updated_at, field_name = excluded.field_name,
      value_type = excluded.value_type, list_entry_id = excluded.list_entry_id, list_id = excluded.list_id, updated_at = now()
    WHERE (crm_field_values.value, crm_field_values.field_name, crm_field_values.list_entry_id)
      IS DISTINCT FROM (excluded.value, excluded.field_name, excluded.list_entry_id)
    RETURNING (xmax = 0) AS inserted`);
  if (linkedin.length > 0) {
    await store.query(sql`
      UPDATE crm_records r SET linkedin_url = t.u, updated_at = now()
      FROM jsonb_to_recordset(${json(linkedin)}) AS t(a bigint, u text)
      WHERE r.connection_id = ${connectionId} AND r.affinity_type = 'person' AND r.affinity_id = t.a
        AND r.linkedin_url IS DISTINCT FROM t.u`);
  }
  const inserted = written.filter((w) => w.inserted).length;
  return { inserted, updated: written.length - inserted, deleted: deleted.length };
}
