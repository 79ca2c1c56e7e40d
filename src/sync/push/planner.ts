/**
 * The push planner: matches our records to Affinity records at the lowest call cost, diffs the
 * mapped values against what we last wrote (or read once, for a newly matched record), and states
 * every write and the exact number of API calls the push will cost. Planning reads, never writes.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AffinityClient, FieldValue, ListEntry } from '../../affinity/index.js';
import { intelCompanies, type Store, syncLinks, syncPushOps } from '../../store/index.js';
import type { Destination, RecordType } from '../destinations.js';
import {
  type CompanyRow,
  convertValue,
  type EntityKind,
  type EntityRow,
  type InvestorRow,
  type PersonRow,
  sourceValue,
  valueKey,
} from '../mapping.js';
import {
  type MatchResult,
  normaliseDomain,
  OpportunityIndex,
  OrganizationIndex,
  PersonIndex,
  splitName,
} from '../matching.js';
import {
  type Known,
  type KnownEntry,
  listKey,
  opCost,
  type Plan,
  type PushOp,
  type RecordPlan,
} from './types.js';

/** Counts logical API calls (one per request the code makes; retries are the transport's). */
export class CallCounter {
  n = 0;
  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.n += 1;
    return fn();
  }
}

const PAGE = 500;

function labelOf(kind: EntityKind, row: EntityRow): string {
  if (kind === 'person') {
    const p = row as PersonRow;
    return p.emails[0] ? `${p.name} <${p.emails[0]}>` : p.name;
  }
  const c = row as CompanyRow | InvestorRow;
  return `${c.name} (${c.domain})`;
}

/**
 * Finds the Affinity record of one of our records by search (1–2 calls), for matching without an
 * index and for checking whether a create whose answer was lost did land.
 */
export async function searchMatch(
  client: AffinityClient,
  calls: CallCounter,
  destination: Destination,
  row: EntityRow,
  companyOrg: number | null,
): Promise<MatchResult> {
  if (destination.recordType === 'opportunity') {
    const entries = await calls.call(() => client.listEntries.all(destination.listId as number));
    return opportunityIndexOf(entries).match({ name: row.name });
  }
  if (destination.recordType === 'organization') {
    const r = row as CompanyRow | InvestorRow;
    const idx = new OrganizationIndex();
    if (destination.matchRule === 'domain') {
      const page = await calls.call(() => client.organizations.search({ term: r.domain }));
      idx.add(page.organizations);
      const m = idx.match({ domain: r.domain, name: null });
      if (m.code !== 'none') return m;
    }
    const page = await calls.call(() => client.organizations.search({ term: r.name }));
    idx.add(page.organizations);
    return idx.match({ domain: r.domain, name: r.name });
  }
  const p = row as PersonRow;
  const idx = new PersonIndex();
  if (destination.matchRule === 'email') {
    for (const email of p.emails) {
      const page = await calls.call(() => client.persons.search({ term: email }));
      idx.add(page.persons);
      const m = idx.match({ emails: p.emails });
      if (m.code !== 'none') return m;
    }
  }
  if (companyOrg === null) return { code: 'none' };
  const page = await calls.call(() =>
    client.persons.search({ term: p.name, with_current_organizations: true }),
  );
  idx.add(page.persons);
  return idx.match({ emails: [], name: p.name, companyOrganizationId: companyOrg });
}

function opportunityIndexOf(entries: readonly ListEntry[]): OpportunityIndex {
  return new OpportunityIndex().add(
    entries.map((e) => ({
      id: e.entity_id,
      name: e.entity && 'name' in e.entity && typeof e.entity.name === 'string' ? e.entity.name : null,
    })),
  );
}

/**
 * Pages the whole index while that stays cheaper than searching record by record: at most
 * `maxPages` pages. Returns the items when the index ended within them, else null.
 */
async function pageWholeIndex<T>(
  calls: CallCounter,
  maxPages: number,
  fetch: (token: string | undefined) => Promise<{ items: T[]; next: string | null | undefined }>,
): Promise<T[] | null> {
  const items: T[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await calls.call(() => fetch(token));
    items.push(...page.items);
    if (!page.next) return items;
    token = page.next;
  }
  return null;
}

interface LinkRow {
  entityId: number;
  affinityId: number;
  known: Known;
}

/** The Affinity records our records are linked to. */
export async function loadLinks(
  store: Store,
  connectionId: number,
  kind: EntityKind,
  recordType: RecordType,
  ids: readonly number[],
): Promise<Map<number, LinkRow>> {
  const out = new Map<number, LinkRow>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await store.db
      .select({
        entityId: syncLinks.entityId,
        affinityId: syncLinks.affinityId,
        known: syncLinks.knownValues,
      })
      .from(syncLinks)
      .where(
        and(
          eq(syncLinks.connectionId, connectionId),
          eq(syncLinks.entityKind, kind),
          eq(syncLinks.affinityType, recordType),
          inArray(syncLinks.entityId, ids.slice(i, i + 5000)),
        ),
      );
    for (const r of rows)
      out.set(r.entityId, {
        entityId: r.entityId,
        affinityId: r.affinityId,
        known: (r.known ?? {}) as Known,
      });
  }
  return out;
}

/** Journal rows of earlier pushes whose outcome is unknown (left `sending`), by entity id. */
async function inDoubtOps(
  store: Store,
  connectionId: number,
  kind: EntityKind,
): Promise<Array<{ id: number; entityId: number; kind: string }>> {
  return store.db
    .select({ id: syncPushOps.id, entityId: syncPushOps.entityId, kind: syncPushOps.kind })
    .from(syncPushOps)
    .where(
      and(
        eq(syncPushOps.connectionId, connectionId),
        eq(syncPushOps.entityKind, kind),
        eq(syncPushOps.status, 'sending'),
      ),
    );
}

/** Affinity organizations of companies by domain, from links (company destination, organization). */
async function companyOrganizations(
  store: Store,
  connectionId: number,
  domains: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (domains.length === 0) return out;
  const rows = await store.db
    .select({ domain: intelCompanies.domain, affinityId: syncLinks.affinityId })
    .from(syncLinks)
    .innerJoin(intelCompanies, eq(intelCompanies.id, syncLinks.entityId))
    .where(
      and(
        eq(syncLinks.connectionId, connectionId),
        eq(syncLinks.entityKind, 'company'),
        eq(syncLinks.affinityType, 'organization'),
        inArray(intelCompanies.domain, [...domains]),
      ),
    );
  for (const r of rows) out.set(r.domain, r.affinityId);
  return out;
}

function knownFromValues(destination: Destination, values: readonly FieldValue[], known: Known): Known {
  const out: Known = { ...known };
  for (const m of destination.mappings) {
    const entries: KnownEntry[] = [];
    for (const v of values) {
      if (v.field_id !== m.fieldId) continue;
      const key = valueKey(m.valueType, v.value);
      if (key !== null) entries.push({ id: v.id, key });
    }
    out[String(m.fieldId)] = entries;
  }
  return out;
}

function createBody(
  destination: Destination,
  row: EntityRow,
  companyOrg: number | null,
): Record<string, unknown> {
  if (destination.recordType === 'opportunity') return { name: row.name, list_id: destination.listId };
  if (destination.recordType === 'organization') {
    const r = row as CompanyRow | InvestorRow;
    return { name: r.name, domain: r.domain };
  }
  const p = row as PersonRow;
  return {
    ...splitName(p.name),
    emails: p.emails,
    ...(companyOrg !== null ? { organization_ids: [companyOrg] } : {}),
  };
}

/** The field writes that bring what Affinity holds (as known) to our values. */
export function diffFields(
  destination: Destination,
  row: EntityRow,
  known: Known,
  organizationFor: (domain: string) => number | null,
): { ops: PushOp[]; skipped: string[] } {
  const ops: PushOp[] = [];
  const skipped: string[] = [];
  for (const m of destination.mappings) {
    const conv = convertValue(
      m,
      sourceValue(destination.entityKind, m.source, row as never),
      organizationFor,
    );
    skipped.push(...conv.skipped);
    const have = known[String(m.fieldId)] ?? [];
    const want = conv.values.map((value) => ({ value, key: valueKey(m.valueType, value) as string }));
    const base = { fieldId: m.fieldId, fieldName: m.fieldName };
    if (!m.allowsMultiple) {
      const w = want[0];
      // Nothing of ours to write: what Affinity holds stays.
      if (!w || have.some((h) => h.key === w.key)) continue;
      const first = have[0];
      ops.push(
        first
          ? {
              kind: 'field-update',
              ...base,
              valueType: m.valueType,
              fieldValueId: first.id,
              value: w.value,
              key: w.key,
            }
          : {
              kind: 'field-create',
              ...base,
              valueType: m.valueType,
              listId: m.listId,
              value: w.value,
              key: w.key,
            },
      );
      continue;
    }
    const haveKeys = new Set(have.map((h) => h.key));
    const wantKeys = new Set(want.map((w) => w.key));
    for (const w of want) {
      if (!haveKeys.has(w.key)) {
        ops.push({
          kind: 'field-create',
          ...base,
          valueType: m.valueType,
          listId: m.listId,
          value: w.value,
          key: w.key,
        });
      }
    }
    // Only values we wrote are ours to take back; values people added stay.
    for (const h of have) {
      if (h.ours && !wantKeys.has(h.key))
        ops.push({ kind: 'field-delete', ...base, fieldValueId: h.id, key: h.key });
    }
  }
  return { ops, skipped };
}

export interface PlanOptions {
  store: Store;
  client: AffinityClient;
  connectionId: number;
  destination: Destination;
  rows: readonly EntityRow[];
}

/** Plans a push of `rows` to their destination. Reads only; `plan.reads` says how many calls. */
export async function planPush(options: PlanOptions): Promise<Plan> {
  const { store, client, connectionId, destination } = options;
  const kind = destination.entityKind;
  const calls = new CallCounter();
  const rows = options.rows;
  const links = await loadLinks(
    store,
    connectionId,
    kind,
    destination.recordType,
    rows.map((r) => r.id),
  );
  const doubt = await inDoubtOps(store, connectionId, kind);
  const verify = new Set(doubt.filter((d) => d.kind !== 'create').map((d) => d.entityId));

  // People: the organization of their current company, when Affinity knows it.
  const orgByDomain = new Map<string, number | null>();
  if (kind === 'person') {
    const domains = [
      ...new Set(rows.map((r) => (r as PersonRow).companyDomain).filter((d): d is string => !!d)),
    ];
    const linked = await companyOrganizations(store, connectionId, domains);
    for (const d of domains) {
      const id = linked.get(d);
      if (id !== undefined) {
        orgByDomain.set(d, id);
        continue;
      }
      const page = await calls.call(() => client.organizations.search({ term: d }));
      const m = new OrganizationIndex().add(page.organizations).match({ domain: d });
      orgByDomain.set(d, m.code === 'matched' ? m.affinityId : null);
    }
  }
  const organizationFor = (domain: string): number | null =>
    orgByDomain.get(normaliseDomain(domain) ?? domain) ?? null;
  const companyOrgOf = (row: EntityRow): number | null => {
    const d = kind === 'person' ? (row as PersonRow).companyDomain : null;
    return d ? (orgByDomain.get(d) ?? null) : null;
  };

  // Matching the unlinked: the whole index when that costs fewer calls than a search per record.
  const unlinked = rows.filter((r) => !links.has(r.id));
  const matches = new Map<number, MatchResult>();
  let matching: Plan['matching'] = unlinked.length === 0 ? 'links' : 'search';
  let listEntries: ListEntry[] | null = null;
  const needList = destination.listId !== null;
  const loadListEntries = async (): Promise<ListEntry[]> => {
    listEntries ??= await calls.call(() => client.listEntries.all(destination.listId as number));
    return listEntries;
  };
  if (unlinked.length > 0) {
    if (destination.recordType === 'opportunity') {
      matching = 'list';
      const idx = opportunityIndexOf(await loadListEntries());
      for (const r of unlinked) matches.set(r.id, idx.match({ name: r.name }));
    } else {
      const maxPages = unlinked.length - 1;
      if (destination.recordType === 'organization') {
        const all =
          maxPages > 0
            ? await pageWholeIndex(calls, maxPages, async (token) => {
                const p = await client.organizations.search({
                  page_size: PAGE,
                  ...(token ? { page_token: token } : {}),
                });
                return { items: p.organizations, next: p.next_page_token };
              })
            : null;
        if (all) {
          matching = 'index';
          const idx = new OrganizationIndex().add(all);
          for (const r of unlinked) {
            const c = r as CompanyRow | InvestorRow;
            matches.set(
              r.id,
              idx.match({ domain: destination.matchRule === 'domain' ? c.domain : null, name: c.name }),
            );
          }
        }
      } else {
        const all =
          maxPages > 0
            ? await pageWholeIndex(calls, maxPages, async (token) => {
                const p = await client.persons.search({
                  page_size: PAGE,
                  with_current_organizations: true,
                  ...(token ? { page_token: token } : {}),
                });
                return { items: p.persons, next: p.next_page_token };
              })
            : null;
        if (all) {
          matching = 'index';
          const idx = new PersonIndex().add(all);
          for (const r of unlinked) {
            const p = r as PersonRow;
            matches.set(
              r.id,
              idx.match({
                emails: destination.matchRule === 'email' ? p.emails : [],
                name: p.name,
                companyOrganizationId: companyOrgOf(r),
              }),
            );
          }
        }
      }
      if (matching === 'search') {
        for (const r of unlinked)
          matches.set(r.id, await searchMatch(client, calls, destination, r, companyOrgOf(r)));
      }
    }
  }

  // Newly matched records (and records whose last write is in doubt) are read once.
  const records: RecordPlan[] = [];
  const toRead: RecordPlan[] = [];
  for (const row of rows) {
    const link = links.get(row.id);
    const base = {
      entityKind: kind,
      entityId: row.id,
      label: labelOf(kind, row),
      ops: [] as PushOp[],
      skippedValues: [] as string[],
      refreshed: false,
      row,
    };
    if (link) {
      const rec: RecordPlan = {
        ...base,
        action: 'unchanged',
        affinityId: link.affinityId,
        matchedBy: 'link',
        known: link.known,
        newLink: null,
      };
      records.push(rec);
      if (verify.has(row.id)) toRead.push(rec);
      continue;
    }
    const m = matches.get(row.id) ?? { code: 'none' };
    if (m.code === 'ambiguous') {
      records.push({
        ...base,
        action: 'ambiguous',
        affinityId: null,
        matchedBy: m.by,
        candidates: m.candidates,
        reason: `${m.candidates.length} Affinity records match by ${m.by} (${m.candidates.join(', ')}): not guessed, not created`,
        known: {},
        newLink: null,
      });
    } else if (m.code === 'none') {
      const create = destination.mode === 'create-update';
      records.push({
        ...base,
        action: create ? 'create' : 'skipped',
        affinityId: null,
        matchedBy: null,
        ...(create ? {} : { reason: 'no match in Affinity and the push mode is update-only' }),
        known: {},
        newLink: null,
      });
    } else {
      const rec: RecordPlan = {
        ...base,
        action: 'unchanged',
        affinityId: m.affinityId,
        matchedBy: m.by,
        known: {},
        newLink: m.by,
      };
      records.push(rec);
      toRead.push(rec);
    }
  }
  for (const rec of toRead) {
    const id = rec.affinityId as number;
    const owner =
      destination.recordType === 'organization'
        ? { organization_id: id }
        : destination.recordType === 'person'
          ? { person_id: id }
          : { opportunity_id: id };
    const values = await calls.call(() => client.fieldValues.all(owner));
    rec.refreshed = true;
    // Values read are theirs; values we wrote before and still see stay ours.
    const before = rec.known;
    rec.known = knownFromValues(destination, values, before);
    for (const [k, entries] of Object.entries(rec.known)) {
      const ours = new Set((before[k] ?? []).filter((e) => e.ours).map((e) => e.id));
      rec.known[k] = entries.map((e) => (ours.has(e.id) ? { ...e, ours: true } : e));
    }
    if (kind === 'person' && companyOrgOf(rec.row) !== null) {
      const person = await calls.call(() => client.persons.get(id));
      rec.known.orgs = (person.organization_ids ?? []).map((o) => ({ id: o, key: String(o) }));
    }
    // A list membership in doubt is checked again below.
    if (destination.listId !== null) delete rec.known[listKey(destination.listId)];
  }

  // List membership of records not created by this push and not known to be on the list.
  if (needList) {
    const listId = destination.listId as number;
    const unknown = records.filter(
      (r) => (r.action === 'unchanged' || r.action === 'update') && r.known[listKey(listId)] === undefined,
    );
    if (unknown.length > 0) {
      const entries = await loadListEntries();
      const byEntity = new Map<number, number>();
      for (const e of entries) if (!byEntity.has(e.entity_id)) byEntity.set(e.entity_id, e.id);
      for (const r of unknown) {
        const entry = byEntity.get(r.affinityId as number);
        if (entry !== undefined) r.known[listKey(listId)] = [{ id: entry, key: 'member' }];
      }
    }
  }

  let writes = 0;
  for (const rec of records) {
    if (rec.action === 'ambiguous' || rec.action === 'skipped') continue;
    const companyOrg = companyOrgOf(rec.row);
    if (rec.action === 'create') {
      rec.ops.push({
        kind: 'create',
        recordType: destination.recordType,
        body: createBody(destination, rec.row, companyOrg),
      });
      if (destination.listId !== null && destination.recordType !== 'opportunity') {
        rec.ops.push({ kind: 'list-add', listId: destination.listId });
      }
    } else {
      if (destination.listId !== null && rec.known[listKey(destination.listId)] === undefined) {
        if (destination.recordType !== 'opportunity')
          rec.ops.push({ kind: 'list-add', listId: destination.listId });
      }
      if (kind === 'person' && companyOrg !== null) {
        const orgs = rec.known.orgs;
        if (!orgs?.some((o) => o.id === companyOrg)) {
          rec.ops.push({
            kind: 'link-org',
            organizationId: companyOrg,
            organizationIds: orgs ? [...orgs.map((o) => o.id), companyOrg] : null,
          });
        }
      }
    }
    const diff = diffFields(destination, rec.row, rec.known, organizationFor);
    rec.ops.push(...diff.ops);
    rec.skippedValues = diff.skipped;
    if (rec.action !== 'create') rec.action = rec.ops.length > 0 ? 'update' : 'unchanged';
    for (const op of rec.ops) writes += opCost(op);
  }

  const counts = { create: 0, update: 0, unchanged: 0, skipped: 0, ambiguous: 0 };
  for (const r of records) counts[r.action] += 1;
  return {
    destination,
    records,
    matching,
    reads: calls.n,
    writes,
    apiCalls: calls.n + writes,
    counts,
    inDoubt: doubt.map((d) => d.id),
  };
}

/** Settles journal rows left in doubt: the plan that checked them replaces them. */
export async function settleInDoubt(store: Store, ids: readonly number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 5000) {
    await store.db
      .update(syncPushOps)
      .set({ status: 'resolved', updatedAt: sql`now()` })
      .where(inArray(syncPushOps.id, ids.slice(i, i + 5000)));
  }
}
