/**
 * The push planner: matches our records to Affinity records at the lowest call cost, diffs the
 * mapped values against what we last wrote (or read once, for a newly matched record), and states
 * every write and the exact number of API calls the push will cost. Planning reads, never writes.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AffinityClient, FieldValue, ListEntry } from '../../affinity/index.js';
import { crmFieldValues, intelCompanies, type Store, syncLinks, syncPushOps } from '../../store/index.js';
import type { Destination, RecordType } from '../destinations.js';
import {
  type CompanyRow,
  convertValue,
  type EntityKind,
  type EntityRow,
  type InvestorRow,
  keyText,
  type PersonRow,
  policyOf,
  sourceValue,
  valueKey,
  type WritePolicy,
} from '../mapping.js';
import {
  type MatchResult,
  normaliseDomain,
  OpportunityIndex,
  OrganizationIndex,
  type PersonCandidate,
  PersonIndex,
  splitName,
} from '../matching.js';
import {
  estimateOf,
  type Known,
  type KnownEntry,
  listKey,
  opCost,
  type Plan,
  type PushOp,
  type RecordPlan,
  wroteKey,
} from './types.js';

/**
 * Counts logical API calls (one per request the code makes; retries are the transport's). With a
 * signal, no call starts once it is aborted (the abort reason is thrown instead).
 */
export class CallCounter {
  n = 0;
  constructor(private readonly options: { signal?: AbortSignal; onCall?: () => void } = {}) {}
  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.options.signal?.throwIfAborted();
    this.n += 1;
    const out = await fn();
    this.options.onCall?.();
    return out;
  }
}

/** Planning's progress: records matched (or found to need no match) and read calls made so far. */
export interface PlanProgress {
  matched: number;
  total: number;
  reads: number;
}

/** Calls `fn` at most every `ms` (and always when `force`d), so progress costs nothing. */
function throttle<T>(fn: ((v: T) => void) | undefined, ms = 250): (v: T, force?: boolean) => void {
  let last = 0;
  return (v, force = false) => {
    if (!fn) return;
    const now = Date.now();
    if (!force && now - last < ms) return;
    last = now;
    fn(v);
  };
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
  seen?: (persons: readonly PersonCandidate[]) => void,
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
      const page = await calls.call(() =>
        client.persons.search({ term: email, with_current_organizations: true }),
      );
      seen?.(page.persons);
      idx.add(page.persons);
      const m = idx.match({ emails: p.emails });
      if (m.code !== 'none') return m;
    }
  }
  if (companyOrg === null) return { code: 'none' };
  const page = await calls.call(() =>
    client.persons.search({ term: p.name, with_current_organizations: true }),
  );
  seen?.(page.persons);
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

/**
 * What `values` (Affinity's, read now or as a pull stored them) say of the mapped fields. A read
 * replaces what we knew; values a pull stored only fill fields we know nothing of (our later
 * writes are newer than the pull).
 */
function knownFromValues(
  destination: Destination,
  values: ReadonlyArray<Pick<FieldValue, 'id' | 'field_id' | 'value'>>,
  known: Known,
  onlyUnknown = false,
): Known {
  const out: Known = { ...known };
  for (const m of destination.mappings) {
    if (onlyUnknown && out[String(m.fieldId)] !== undefined) continue;
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

/**
 * The field values a pull stored (`crm_field_values`) of these Affinity records, by record: only
 * records whose values a pull read (any value stored) are in the map.
 */
async function pulledValues(
  store: Store,
  connectionId: number,
  affinityType: RecordType,
  ids: readonly number[],
  fieldIds: readonly number[],
): Promise<Map<number, Array<Pick<FieldValue, 'id' | 'field_id' | 'value'>>>> {
  const out = new Map<number, Array<Pick<FieldValue, 'id' | 'field_id' | 'value'>>>();
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await store.db
      .select({
        affinityId: crmFieldValues.affinityId,
        id: crmFieldValues.fieldValueId,
        fieldId: crmFieldValues.fieldId,
        value: crmFieldValues.value,
      })
      .from(crmFieldValues)
      .where(
        and(
          eq(crmFieldValues.connectionId, connectionId),
          eq(crmFieldValues.affinityType, affinityType),
          inArray(crmFieldValues.affinityId, ids.slice(i, i + 5000)),
        ),
      );
    for (const r of rows) {
      const list = out.get(r.affinityId) ?? [];
      out.set(r.affinityId, list);
      // A value of an unmapped field still says the pull read this record's values.
      if (fieldIds.includes(r.fieldId))
        list.push({ id: r.id, field_id: r.fieldId, value: r.value as FieldValue['value'] });
    }
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

/**
 * The field writes that bring what Affinity holds (as known) to our values, per each mapping's
 * write policy (see {@link WritePolicy}):
 * - `keep-human-edits`: ours is written where Affinity's differs, except where ours is what we wrote
 *   last — a value a person put there since stays until ours changes;
 * - `overwrite`: ours is written wherever Affinity's differs (the planner reads the record first);
 * - `fill-blanks`: ours is written only where Affinity holds no value (read first when known empty);
 * - `add-only`: our values Affinity lacks are added; none is removed;
 * - `mirror`: as `add-only`, and the values we wrote that we no longer hold are removed (never
 *   values others wrote).
 * Where we hold no value, Affinity's stays, whatever the policy.
 */
export function diffFields(
  destination: Destination,
  row: EntityRow,
  known: Known,
  organizationFor: (domain: string) => number | null,
): { ops: PushOp[]; skipped: string[] } {
  const ops: PushOp[] = [];
  const skipped: string[] = [];
  for (const m of destination.mappings) {
    const policy = policyOf(m);
    const conv = convertValue(
      m,
      sourceValue(destination.entityKind, m.source, row as never),
      organizationFor,
    );
    skipped.push(...conv.skipped);
    const have = known[String(m.fieldId)] ?? [];
    const want = conv.values.map((value) => ({ value, key: valueKey(m.valueType, value) as string }));
    const base = { fieldId: m.fieldId, fieldName: m.fieldName, valueType: m.valueType };
    if (!m.allowsMultiple) {
      const w = want[0];
      // Nothing of ours to write: what Affinity holds stays.
      if (!w || have.some((h) => h.key === w.key)) continue;
      if (policy === 'fill-blanks' && have.length > 0) continue;
      if (policy === 'keep-human-edits' && known[wroteKey(m.fieldId)]?.[0]?.key === w.key) continue;
      const first = have[0];
      ops.push(
        first
          ? {
              kind: 'field-update',
              ...base,
              fieldValueId: first.id,
              value: w.value,
              key: w.key,
              text: keyText(m, w.key),
              fromText: keyText(m, first.key),
            }
          : {
              kind: 'field-create',
              ...base,
              multiple: false,
              listId: m.listId,
              value: w.value,
              key: w.key,
              text: keyText(m, w.key),
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
          multiple: true,
          listId: m.listId,
          value: w.value,
          key: w.key,
          text: keyText(m, w.key),
        });
      }
    }
    if (policy !== 'mirror') continue;
    // Only values we wrote are ours to take back; values people added stay.
    for (const h of have) {
      if (h.ours && !wantKeys.has(h.key))
        ops.push({
          kind: 'field-delete',
          fieldId: m.fieldId,
          fieldName: m.fieldName,
          fieldValueId: h.id,
          key: h.key,
          text: keyText(m, h.key),
        });
    }
  }
  return { ops, skipped };
}

/**
 * Whether a policy needs what Affinity holds now for a field we know: `overwrite` always (a person
 * may have changed it since), `fill-blanks` where it was blank when we last looked (a person may
 * have filled it). Only for fields where we hold a value to write.
 */
function wantsCurrent(
  destination: Destination,
  row: EntityRow,
  known: Known,
  organizationFor: (domain: string) => number | null,
): boolean {
  return destination.mappings.some((m) => {
    const policy = policyOf(m);
    if (policy !== 'overwrite' && policy !== 'fill-blanks') return false;
    const have = known[String(m.fieldId)];
    // Unknown fields are read (or taken from a pull) anyway.
    if (have === undefined || (policy === 'fill-blanks' && have.length > 0)) return false;
    const raw = sourceValue(destination.entityKind, m.source, row as never);
    return convertValue(m, raw, organizationFor).values.length > 0;
  });
}

export interface PlanOptions {
  store: Store;
  client: AffinityClient;
  connectionId: number;
  destination: Destination;
  rows: readonly EntityRow[];
  /** Once aborted, no further read starts: planning throws the abort reason. */
  signal?: AbortSignal;
  /** Matching progress, a few updates a second at most (and the last one). */
  onProgress?: (progress: PlanProgress) => void;
  /** The connection's rate, for the plan's time estimate (default 900 calls a minute, Affinity's). */
  ratePerMinute?: number;
  /** Reads of values in flight at once (default 6). */
  concurrency?: number;
}

/** The organization index, paged while that stays cheaper than `maxPages` searches. */
function pageOrganizations(client: AffinityClient, calls: CallCounter, maxPages: number) {
  return pageWholeIndex(calls, maxPages, async (token) => {
    const p = await client.organizations.search({
      page_size: PAGE,
      ...(token ? { page_token: token } : {}),
    });
    return { items: p.organizations, next: p.next_page_token };
  });
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}

/**
 * Plans a push of `rows` to their destination. Reads only; `plan.reads` says how many calls.
 *
 * Calls are spent only where the answer is not known: the Affinity organizations of people's
 * companies come from the companies' links, then from the organization index paged once (or one
 * search per company when the index is bigger than that); unlinked records are matched against
 * the whole index paged once (or one search each, whichever costs less); and a record's values
 * are read only when something is to be written to a field we know nothing of — a record matched
 * now, or linked by a pull or a review — unless a pull stored them already.
 */
export async function planPush(options: PlanOptions): Promise<Plan> {
  const { store, client, connectionId, destination } = options;
  const kind = destination.entityKind;
  const rows = options.rows;
  let decided = 0;
  const report = throttle(options.onProgress);
  const progress = (force = false) => report({ matched: decided, total: rows.length, reads: calls.n }, force);
  const calls: CallCounter = new CallCounter({
    ...(options.signal ? { signal: options.signal } : {}),
    onCall: () => progress(),
  });
  progress(true);
  const links = await loadLinks(
    store,
    connectionId,
    kind,
    destination.recordType,
    rows.map((r) => r.id),
  );
  const doubt = await inDoubtOps(store, connectionId, kind);
  const verify = new Set(doubt.filter((d) => d.kind !== 'create').map((d) => d.entityId));

  // People: the organization of their current company, when Affinity knows it. Each company is
  // looked up once; those we linked are known; the rest come from the organization index paged
  // once when that costs fewer calls than a search per company.
  const orgByDomain = new Map<string, number | null>();
  if (kind === 'person') {
    const domains = [
      ...new Set(
        rows
          .map((r) => (r as PersonRow).companyDomain)
          .filter((d): d is string => !!d)
          .map((d) => normaliseDomain(d) ?? d),
      ),
    ];
    const linked = await companyOrganizations(store, connectionId, domains);
    const missing: string[] = [];
    for (const d of domains) {
      const id = linked.get(d);
      if (id !== undefined) orgByDomain.set(d, id);
      else missing.push(d);
    }
    const all = missing.length > 1 ? await pageOrganizations(client, calls, missing.length - 1) : null;
    if (all) {
      const idx = new OrganizationIndex().add(all);
      for (const d of missing) {
        const m = idx.match({ domain: d });
        orgByDomain.set(d, m.code === 'matched' ? m.affinityId : null);
      }
    } else {
      for (const d of missing) {
        const page = await calls.call(() => client.organizations.search({ term: d }));
        const m = new OrganizationIndex().add(page.organizations).match({ domain: d });
        orgByDomain.set(d, m.code === 'matched' ? m.affinityId : null);
      }
    }
  }
  const organizationFor = (domain: string): number | null =>
    orgByDomain.get(normaliseDomain(domain) ?? domain) ?? null;
  const companyOrgOf = (row: EntityRow): number | null => {
    const d = kind === 'person' ? (row as PersonRow).companyDomain : null;
    return d ? organizationFor(d) : null;
  };

  // Persons' current organizations as the pages read for matching showed them.
  const currentOrgs = new Map<number, readonly number[]>();
  const seenPersons = (persons: readonly PersonCandidate[]): void => {
    for (const p of persons)
      if (p.current_organization_ids) currentOrgs.set(p.id, p.current_organization_ids);
  };

  // Matching the unlinked: the whole index when that costs fewer calls than a search per record.
  const unlinked = rows.filter((r) => !links.has(r.id));
  decided = rows.length - unlinked.length;
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
        const all = maxPages > 0 ? await pageOrganizations(client, calls, maxPages) : null;
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
          seenPersons(all);
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
        for (const r of unlinked) {
          matches.set(r.id, await searchMatch(client, calls, destination, r, companyOrgOf(r), seenPersons));
          decided += 1;
          progress();
        }
      }
    }
  }
  decided = rows.length;
  progress(true);

  const records: RecordPlan[] = [];
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
      records.push({
        ...base,
        action: 'unchanged',
        affinityId: link.affinityId,
        matchedBy: 'link',
        known: link.known,
        newLink: null,
      });
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
      records.push({
        ...base,
        action: 'unchanged',
        affinityId: m.affinityId,
        matchedBy: m.by,
        known: {},
        newLink: m.by,
      });
    }
  }

  // What Affinity holds is needed where a value of ours goes to a field we know nothing of (a
  // record matched now, or linked by a pull or a review), and where our last write is in doubt.
  const unknownWanted = (rec: RecordPlan): boolean =>
    destination.mappings.some(
      (m) =>
        rec.known[String(m.fieldId)] === undefined &&
        convertValue(m, sourceValue(kind, m.source, rec.row as never), organizationFor).values.length > 0,
    );
  const existing = records.filter(
    (r) => r.affinityId !== null && (r.action === 'unchanged' || r.action === 'update'),
  );
  const inDoubt = existing.filter((r) => verify.has(r.entityId));
  // Policies that need Affinity's current value (overwrite, fill-blanks) read the record now.
  const current = existing.filter(
    (r) => !verify.has(r.entityId) && wantsCurrent(destination, r.row, r.known, organizationFor),
  );
  const reading = new Set([...inDoubt, ...current]);
  const unknown = existing.filter((r) => !reading.has(r) && unknownWanted(r));
  // Values a pull stored stand for a read.
  const fieldIds = destination.mappings.map((m) => m.fieldId);
  const stored =
    unknown.length > 0
      ? await pulledValues(
          store,
          connectionId,
          destination.recordType,
          unknown.map((r) => r.affinityId as number),
          fieldIds,
        )
      : new Map();
  let pulled = 0;
  const toRead = [...inDoubt, ...current];
  for (const rec of unknown) {
    const values = stored.get(rec.affinityId as number);
    if (!values) {
      toRead.push(rec);
      continue;
    }
    rec.known = knownFromValues(destination, values, rec.known, true);
    rec.refreshed = true;
    pulled += 1;
  }
  await pool(toRead, options.concurrency ?? 6, async (rec) => {
    const id = rec.affinityId as number;
    const values = await calls.call(() => client.fieldValues.all(ownerOf(destination, id)));
    rec.refreshed = true;
    // Values read are theirs; values we wrote before and still see unchanged stay ours.
    const before = rec.known;
    rec.known = knownFromValues(destination, values, before);
    for (const [k, entries] of Object.entries(rec.known)) {
      const ours = new Set((before[k] ?? []).filter((e) => e.ours).map((e) => `${e.id}:${e.key}`));
      rec.known[k] = entries.map((e) => (ours.has(`${e.id}:${e.key}`) ? { ...e, ours: true } : e));
    }
    // A list membership in doubt is checked again below.
    if (verify.has(rec.entityId) && destination.listId !== null)
      delete rec.known[listKey(destination.listId)];
  });
  progress(true);

  // A person's current organizations, as the matching pages showed them, say whether the link to
  // their company is there already: no read of the person for that.
  // Persons no page showed (linked by a pull or a review) are read once instead, rather than
  // sending their organizations again blindly.
  if (kind === 'person') {
    const unseen: RecordPlan[] = [];
    for (const rec of existing) {
      if (rec.known.orgs !== undefined || companyOrgOf(rec.row) === null) continue;
      const current = currentOrgs.get(rec.affinityId as number);
      if (current) rec.known.currentOrgs = current.map((o) => ({ id: o, key: String(o) }));
      else if (rec.known.currentOrgs === undefined) unseen.push(rec);
    }
    await pool(unseen, options.concurrency ?? 6, async (rec) => {
      const person = await calls.call(() => client.persons.get(rec.affinityId as number));
      rec.known.orgs = (person.organization_ids ?? []).map((o) => ({ id: o, key: String(o) }));
      rec.refreshed = true;
    });
  }

  // List membership of records not created by this push and not known to be on the list.
  if (needList) {
    const listId = destination.listId as number;
    const notKnown = records.filter(
      (r) => (r.action === 'unchanged' || r.action === 'update') && r.known[listKey(listId)] === undefined,
    );
    if (notKnown.length > 0) {
      const entries = await loadListEntries();
      const byEntity = new Map<number, number>();
      for (const e of entries) if (!byEntity.has(e.entity_id)) byEntity.set(e.entity_id, e.id);
      for (const r of notKnown) {
        const entry = byEntity.get(r.affinityId as number);
        if (entry !== undefined) r.known[listKey(listId)] = [{ id: entry, key: 'member' }];
      }
    }
  }
  progress(true);

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
        if (!(orgs ?? rec.known.currentOrgs)?.some((o) => o.id === companyOrg)) {
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
    estimate: estimateOf(calls.n + writes, options.ratePerMinute ?? 900),
    values: { read: toRead.length, pulled },
    inDoubt: doubt.map((d) => d.id),
  };
}

/** The `GET /field-values` owner parameter of an Affinity record. */
export function ownerOf(d: Destination, id: number) {
  return d.recordType === 'organization'
    ? { organization_id: id }
    : d.recordType === 'person'
      ? { person_id: id }
      : { opportunity_id: id };
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
