import { sql } from 'drizzle-orm';
import {
  importRecords,
  normaliseDomain,
  normaliseEmail,
  normaliseLinkedinUrl,
  personKey,
} from '../../intelligence/index.js';
import type { Store } from '../../store/index.js';
import type { AffinityType } from './ingest.js';
import type { Candidate, EntityKind } from './matching.js';
import { type CrmScope, inScope, onList } from './view.js';

/**
 * The review queue: My CRM records matching could not settle (unmatched or ambiguous), and the
 * decisions a person takes on them — link to a dataset entity, ignore, or create the entity from
 * the record. Decisions are stored on the record; later pulls and matching never override them.
 */

export interface ReviewItem {
  crmId: number;
  affinityType: AffinityType;
  affinityId: number;
  name: string;
  domains: string[];
  emails: string[];
  status: 'ambiguous' | 'unmatched';
  candidates: Candidate[];
  lists: string[];
}

export type ReviewError = {
  ok: false;
  code: 'record-not-found' | 'entity-not-found' | 'ambiguous-entity' | 'bad-entity' | 'cannot-create';
  message: string;
};
export type ReviewOutcome =
  | {
      ok: true;
      crmId: number;
      decision: 'linked' | 'ignored' | 'created';
      kind?: EntityKind;
      entityId?: number;
    }
  | ReviewError;

interface QueueRow {
  id: number;
  affinity_type: AffinityType;
  affinity_id: number;
  name: string;
  domains: string[];
  emails: string[];
  match_status: 'ambiguous' | 'unmatched';
  candidates: Candidate[];
  lists: string[] | null;
}

/** How many records wait for review, for the queue's header. */
export interface ReviewCounts {
  /** Records to settle: unmatched or ambiguous, no decision yet. */
  toSettle: number;
  unmatched: number;
  ambiguous: number;
}

/** {@link ReviewCounts} of the queue, optionally on one list (id or name). */
export async function reviewCounts(
  store: Store,
  connectionId: CrmScope,
  options: { list?: string | number } = {},
): Promise<ReviewCounts> {
  const [row] = await store.query<{ unmatched: number; ambiguous: number }>(sql`
    SELECT count(*) FILTER (WHERE r.match_status = 'unmatched')::int AS unmatched,
      count(*) FILTER (WHERE r.match_status = 'ambiguous')::int AS ambiguous
    FROM crm_records r
    WHERE ${inScope('r', connectionId)} AND r.presence = 'listed' AND r.review_decision IS NULL
      AND r.match_status IN ('unmatched', 'ambiguous') ${onList(options.list)}`);
  const unmatched = row?.unmatched ?? 0;
  const ambiguous = row?.ambiguous ?? 0;
  return { toSettle: unmatched + ambiguous, unmatched, ambiguous };
}

/**
 * Records waiting for review: on a pulled list, unmatched or ambiguous, no decision yet; optionally
 * only those on one list (id or name). Ambiguous ones first: they have candidates to choose from.
 * Reads only the store; `connectionId` undefined covers every connection's records.
 */
export async function reviewQueue(
  store: Store,
  connectionId: CrmScope,
  options: { list?: string | number; limit?: number } = {},
): Promise<ReviewItem[]> {
  const listFilter = onList(options.list);
  const rows = await store.query<QueueRow>(sql`
    SELECT r.id, r.affinity_type, r.affinity_id, r.name, r.domains, r.emails, r.match_status, r.candidates,
      (SELECT array_agg(DISTINCT l.name ORDER BY l.name) FROM crm_memberships m JOIN crm_lists l
         ON l.connection_id = m.connection_id AND l.affinity_list_id = m.affinity_list_id
       WHERE m.connection_id = r.connection_id AND m.affinity_type = r.affinity_type AND m.affinity_id = r.affinity_id) AS lists
    FROM crm_records r
    WHERE ${inScope('r', connectionId)} AND r.presence = 'listed' AND r.review_decision IS NULL
      AND r.match_status IN ('unmatched', 'ambiguous') ${listFilter}
    ORDER BY r.match_status, lower(r.name), r.id
    LIMIT ${options.limit ?? 10_000}`);
  return rows.map((r) => ({
    crmId: r.id,
    affinityType: r.affinity_type,
    affinityId: r.affinity_id,
    name: r.name,
    domains: r.domains,
    emails: r.emails,
    status: r.match_status,
    candidates: r.candidates,
    lists: r.lists ?? [],
  }));
}

interface RecordRow {
  id: number;
  connection_id: number;
  affinity_type: AffinityType;
  affinity_id: number;
  name: string;
  domain_keys: string[];
  email_keys: string[];
  linkedin_url: string | null;
  domains: string[];
}

async function findRecord(
  store: Store,
  connectionId: CrmScope,
  crmId: number,
): Promise<RecordRow | ReviewError> {
  const [r] = await store.query<RecordRow>(sql`
    SELECT id, connection_id, affinity_type, affinity_id, name, domain_keys, email_keys, linkedin_url, domains
    FROM crm_records r WHERE ${inScope('r', connectionId)} AND id = ${crmId}`);
  return r ?? { ok: false, code: 'record-not-found', message: `no My CRM record ${crmId}` };
}

const TABLE: Record<EntityKind, string> = {
  company: 'intel_companies',
  person: 'intel_people',
  investor: 'intel_investors',
};

/**
 * Parses `company:12`, `investor:3`, `person:7` or a bare id; a bare id is a company for
 * organizations and opportunities and a person for persons.
 */
export function parseEntityRef(
  ref: string,
  affinityType: AffinityType,
): { kind: EntityKind; id: number } | ReviewError {
  const m = /^(?:(company|investor|person):)?(\d+)$/.exec(ref.trim());
  if (!m)
    return {
      ok: false,
      code: 'bad-entity',
      message: `not an entity: ${ref} (use company:ID, investor:ID or person:ID)`,
    };
  const kind = (m[1] as EntityKind | undefined) ?? (affinityType === 'person' ? 'person' : 'company');
  if ((affinityType === 'person') !== (kind === 'person'))
    return {
      ok: false,
      code: 'bad-entity',
      message: `an Affinity ${affinityType} cannot be linked to ${kind === 'investor' ? 'an' : 'a'} ${kind}`,
    };
  return { kind, id: Number(m[2]) };
}

async function setDecision(
  store: Store,
  record: RecordRow,
  decision: 'linked' | 'created',
  kind: EntityKind,
  entityId: number,
): Promise<void> {
  await store.query(sql`
    UPDATE crm_records SET match_status = 'matched', match_kind = ${kind}, match_entity_id = ${entityId},
      matched_by = 'review', candidates = '[]'::jsonb, review_decision = ${decision}, reviewed_at = now(), updated_at = now()
    WHERE id = ${record.id}`);
  const connectionId = Number(record.connection_id);
  // A link matching made for this Affinity record to another entity is now wrong.
  await store.query(sql`
    DELETE FROM sync_links WHERE connection_id = ${connectionId} AND affinity_type = ${record.affinity_type}
      AND affinity_id = ${record.affinity_id} AND NOT (entity_kind = ${kind} AND entity_id = ${entityId})
      AND linked_by IN ('domain', 'email', 'name', 'linkedin', 'pull')`);
  await store.query(sql`
    INSERT INTO sync_links (connection_id, entity_kind, entity_id, affinity_type, affinity_id, linked_by)
    VALUES (${connectionId}, ${kind}, ${entityId}, ${record.affinity_type}, ${record.affinity_id}, 'review')
    ON CONFLICT (connection_id, entity_kind, entity_id, affinity_type)
    DO UPDATE SET affinity_id = excluded.affinity_id, linked_by = 'review', updated_at = now()`);
}

/**
 * The dataset entity a natural key names: a domain (or website) → the company or investor with
 * it (a company's other domains included), an email or a LinkedIn URL → the person. A key that
 * names several entities is refused naming each as `kind:id`; one that names none, naming the key.
 */
export async function resolveEntityKey(
  store: Store,
  key: string,
): Promise<{ kind: EntityKind; id: number; name: string } | ReviewError> {
  const value = key.trim();
  const email = value.includes('@') ? normaliseEmail(value) : null;
  const linkedin = email === null ? normaliseLinkedinUrl(value) : null;
  const domain = email === null && linkedin === null ? normaliseDomain(value) : null;
  let hits: Array<{ kind: EntityKind; id: number; name: string }>;
  let what: string;
  if (email !== null) {
    what = `person with email ${email}`;
    hits = await store.query(sql`
      SELECT 'person' AS kind, id, name FROM intel_people WHERE emails @> ARRAY[${email}]::text[] ORDER BY id`);
  } else if (linkedin !== null) {
    what = `person with LinkedIn URL ${linkedin}`;
    hits = await store.query(sql`
      SELECT 'person' AS kind, id, name FROM intel_people WHERE linkedin_url = ${linkedin} ORDER BY id`);
  } else if (domain !== null) {
    what = `company or investor with domain ${domain}`;
    hits = await store.query(sql`
      SELECT 'company' AS kind, id, name FROM intel_companies
        WHERE domain = ${domain} OR other_domains @> ARRAY[${domain}]::text[]
      UNION ALL
      SELECT 'investor', id, name FROM intel_investors WHERE domain = ${domain}
      ORDER BY 1, 2`);
  } else {
    return {
      ok: false,
      code: 'bad-entity',
      message: `not an entity: ${value} (use company:ID, investor:ID, person:ID, a domain, an email or a LinkedIn URL)`,
    };
  }
  const [only, ...more] = hits.map((h) => ({ kind: h.kind, id: Number(h.id), name: h.name }));
  if (only === undefined)
    return { ok: false, code: 'entity-not-found', message: `no ${what} in the dataset` };
  if (more.length > 0) {
    const choices = [only, ...more].map((h) => `\`${h.kind}:${h.id}\` (${h.name})`);
    return {
      ok: false,
      code: 'ambiguous-entity',
      message: `${value} names ${choices.length} entities in the dataset: ${choices.join(' or ')}; link one of them by id`,
    };
  }
  return only;
}

/**
 * `review link`: the record is this dataset entity — `company:ID`, `investor:ID`, `person:ID`, a
 * bare id, or a natural key (domain, email, LinkedIn URL) — and push will use the link without a
 * search. Without `connectionId` the record is found among every connection's.
 */
export async function linkRecord(
  store: Store,
  connectionId: CrmScope,
  crmId: number,
  entityRef: string,
): Promise<ReviewOutcome> {
  const record = await findRecord(store, connectionId, crmId);
  if ('ok' in record) return record;
  const isRef = /^(?:(company|investor|person):)?\d+$/.test(entityRef.trim());
  let resolved: { kind: EntityKind; id: number } | ReviewError;
  if (isRef) resolved = parseEntityRef(entityRef, record.affinity_type);
  else {
    const byKey = await resolveEntityKey(store, entityRef);
    resolved =
      'ok' in byKey
        ? byKey
        : (parseEntityRef(`${byKey.kind}:${byKey.id}`, record.affinity_type) as
            | { kind: EntityKind; id: number }
            | ReviewError);
  }
  const ref = resolved;
  if ('ok' in ref) return ref;
  const [exists] = await store.query<{ id: number }>(
    sql`SELECT id FROM ${sql.identifier(TABLE[ref.kind])} WHERE id = ${ref.id}`,
  );
  if (!exists)
    return { ok: false, code: 'entity-not-found', message: `no ${ref.kind} ${ref.id} in the dataset` };
  await setDecision(store, record, 'linked', ref.kind, ref.id);
  return { ok: true, crmId, decision: 'linked', kind: ref.kind, entityId: ref.id };
}

/** `review ignore`: leave the record out of review for good (it stays in My CRM, unmatched). */
export async function ignoreRecord(
  store: Store,
  connectionId: CrmScope,
  crmId: number,
): Promise<ReviewOutcome> {
  const record = await findRecord(store, connectionId, crmId);
  if ('ok' in record) return record;
  await store.query(sql`
    UPDATE crm_records SET review_decision = 'ignored', reviewed_at = now(), updated_at = now() WHERE id = ${crmId}`);
  return { ok: true, crmId, decision: 'ignored' };
}

/**
 * `review create`: adds the record to the intelligence dataset (an organization as a company, or
 * an investor with `as: 'investor'`; a person as a person) through the importer, then links it.
 * Needs the natural key: a domain for organizations, an email or LinkedIn URL for persons.
 */
export async function createFromRecord(
  store: Store,
  connectionId: CrmScope,
  crmId: number,
  options: { as?: 'company' | 'investor' } = {},
): Promise<ReviewOutcome> {
  const record = await findRecord(store, connectionId, crmId);
  if ('ok' in record) return record;
  let kind: EntityKind;
  let source: Record<string, unknown>;
  if (record.affinity_type === 'organization') {
    const domain = record.domain_keys[0];
    if (domain === undefined)
      return { ok: false, code: 'cannot-create', message: `${record.name} has no domain: link it instead` };
    kind = options.as ?? 'company';
    source =
      kind === 'company'
        ? { domain, name: record.name, other_domains: record.domain_keys.slice(1) }
        : { domain, name: record.name };
  } else if (record.affinity_type === 'person') {
    if (record.email_keys.length === 0 && record.linkedin_url === null)
      return {
        ok: false,
        code: 'cannot-create',
        message: `${record.name} has no email or LinkedIn URL: link it instead`,
      };
    kind = 'person';
    source = {
      name: record.name,
      emails: record.email_keys,
      ...(record.linkedin_url === null ? {} : { linkedin_url: record.linkedin_url }),
    };
  } else {
    return {
      ok: false,
      code: 'cannot-create',
      message: 'opportunities match through their organizations: review the organization instead',
    };
  }
  const entity = kind === 'company' ? 'companies' : kind === 'investor' ? 'investors' : 'people';
  const report = await importRecords(store, entity, [{ row: 1, line: 1, record: source }]);
  if (!report.written) {
    const e = report.errors[0];
    return {
      ok: false,
      code: 'cannot-create',
      message: `${e?.column ?? 'record'}: ${e?.message ?? 'invalid'}`,
    };
  }
  const key =
    kind === 'person'
      ? sql`person_key = ${personKey(record.email_keys, record.linkedin_url)}`
      : sql`domain = ${record.domain_keys[0] ?? ''}`;
  const [created] = await store.query<{ id: number }>(
    sql`SELECT id FROM ${sql.identifier(TABLE[kind])} WHERE ${key}`,
  );
  if (!created)
    throw new Error(`review create: ${kind} for My CRM record ${crmId} was imported but not found`);
  await setDecision(store, record, 'created', kind, created.id);
  return { ok: true, crmId, decision: 'created', kind, entityId: created.id };
}
