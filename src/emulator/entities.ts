/**
 * The domain rules of the emulator's core resources, shared by the routes and the seed builder:
 * writes that keep the derived indexes current (emails, domains, term search, list entries by
 * list and entity, field values by entity, opportunities by person/organization), the checks the
 * live API enforces, and the renderings of each resource.
 *
 * Only functions in this file write the tables of `model.ts`; reading them directly is fine.
 */
import { pacificOffset } from './core.js';
import { ApiError, type EmulatorCore, type Table, unknownReference, unprocessable } from './framework.js';
import {
  type ActionType,
  type DropdownOption,
  type EntityType,
  type FieldRow,
  type FieldValueRow,
  type ListEntryRow,
  type ListPermission,
  type ListRow,
  type LocationValue,
  type OpportunityRow,
  type OrganizationRow,
  type PersonRow,
  type StoredValue,
  tablesOf,
  type ValueType,
} from './model.js';
import { domainTokens, emailTokens, nameTokens, TermIndex } from './term-index.js';

/** Sends a webhook event; absent while seeding so that building a workspace stays silent. */
export type Emit = (type: string, body: unknown) => void;

export const EMAIL_TAKEN = 'There exists a contact with this email address.';

/** Indexes derived from the tables; rebuilt on first use after the state is replaced. */
export interface EntityIndex {
  emails: Map<string, number>;
  domains: Map<string, number>;
  personTerms: TermIndex;
  orgTerms: TermIndex;
  oppTerms: TermIndex;
  entriesByList: Map<number, ListEntryRow[]>;
  entriesByEntity: Map<number, ListEntryRow[]>;
  valuesByEntity: Map<number, FieldValueRow[]>;
  oppsByPerson: Map<number, number[]>;
  oppsByOrg: Map<number, number[]>;
  /** Newest-first entries per list, kept until the list changes. */
  newestFirst: Map<number, ListEntryRow[]>;
  /** Summary JSON of persons and organizations by id, for search pages (see `summariesJson`). */
  summaryJson: Map<number, string>;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const arr = map.get(key);
  if (arr) arr.push(value);
  else map.set(key, [value]);
}

function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const arr = map.get(key);
  if (!arr) return;
  const at = arr.indexOf(value);
  if (at >= 0) arr.splice(at, 1);
  if (arr.length === 0) map.delete(key);
}

const personTokenList = (p: PersonRow): string[] => [
  ...nameTokens(p.first_name, p.last_name),
  ...p.emails.flatMap(emailTokens),
];
const orgTokenList = (o: OrganizationRow): string[] => [
  ...nameTokens(o.name),
  ...o.domains.flatMap(domainTokens),
];
const oppTokenList = (o: OpportunityRow): string[] => nameTokens(o.name);

function buildIndex(core: EmulatorCore): EntityIndex {
  const t = tablesOf(core);
  const idx: EntityIndex = {
    emails: new Map(),
    domains: new Map(),
    personTerms: new TermIndex(),
    orgTerms: new TermIndex(),
    oppTerms: new TermIndex(),
    entriesByList: new Map(),
    entriesByEntity: new Map(),
    valuesByEntity: new Map(),
    oppsByPerson: new Map(),
    oppsByOrg: new Map(),
    newestFirst: new Map(),
    summaryJson: new Map(),
  };
  for (const p of t.persons.values()) {
    for (const e of p.emails) idx.emails.set(e, p.id);
    idx.personTerms.add(p.id, personTokenList(p));
  }
  for (const o of t.organizations.values()) {
    for (const d of o.domains) if (!idx.domains.has(d)) idx.domains.set(d, o.id);
    idx.orgTerms.add(o.id, orgTokenList(o));
  }
  for (const o of t.opportunities.values()) {
    idx.oppTerms.add(o.id, oppTokenList(o));
    for (const p of o.person_ids) push(idx.oppsByPerson, p, o.id);
    for (const g of o.organization_ids) push(idx.oppsByOrg, g, o.id);
  }
  for (const e of t.listEntries.values()) {
    push(idx.entriesByList, e.list_id, e);
    push(idx.entriesByEntity, e.entity_id, e);
  }
  for (const v of t.fieldValues.values()) push(idx.valuesByEntity, v.entity_id, v);
  return idx;
}

/** The entity indexes of `core` (built on first use). */
export function index(core: EmulatorCore): EntityIndex {
  return core.memo('entities', buildIndex);
}

// ---------------------------------------------------------------------------------------------
// Input checks

/** An integer id from a JSON number or a form string; undefined when absent. */
export function intParam(value: unknown, name: string, required = false): number | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw unprocessable(`${name} is required`);
    return undefined;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) throw unprocessable(`${name} must be an integer`);
  return n;
}

export function stringParam(value: unknown, name: string, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw unprocessable(`${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw unprocessable(`${name} must be a string`);
  if (required && value.trim() === '') throw unprocessable(`${name} is required`);
  return value;
}

export function boolParam(value: unknown): boolean {
  return value === true || value === 'true' || value === '1';
}

/** An id array from JSON or from repeated form keys; undefined when absent. */
export function idsParam(value: unknown, name: string): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const arr = Array.isArray(value) ? value : [value];
  return arr.map((v) => intParam(v, name, true) as number);
}

export function emailsParam(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const arr = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const v of arr) {
    if (typeof v !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(v.trim()))
      throw unprocessable('emails must be email addresses');
    const e = v.trim().toLowerCase();
    if (!out.includes(e)) out.push(e);
  }
  return out;
}

/** 422 unless every id of parameter `param` names a person (see `unknownReference`). */
function requirePersons(core: EmulatorCore, ids: readonly number[], param = 'person_ids'): void {
  const persons = tablesOf(core).persons;
  for (const id of ids) persons.reference(id, 'Person', param);
}

/** 422 unless every id of parameter `param` names an organization. */
function requireOrganizations(core: EmulatorCore, ids: readonly number[], param = 'organization_ids'): void {
  const orgs = tablesOf(core).organizations;
  for (const id of ids) orgs.reference(id, 'Organization', param);
}

const uniq = (ids: readonly number[]): number[] => [...new Set(ids)];

// ---------------------------------------------------------------------------------------------
// Persons and organizations

function checkEmailsFree(core: EmulatorCore, emails: readonly string[], selfId?: number): void {
  const owners = index(core).emails;
  for (const e of emails) {
    const owner = owners.get(e);
    if (owner !== undefined && owner !== selfId) throw new ApiError(422, [EMAIL_TAKEN]);
  }
}

function linkPersonOrgs(core: EmulatorCore, person: PersonRow, next: number[]): void {
  const orgs = tablesOf(core).organizations;
  for (const id of person.organization_ids) {
    if (next.includes(id)) continue;
    const o = orgs.get(id);
    if (o) o.person_ids = o.person_ids.filter((p) => p !== person.id);
  }
  for (const id of next) {
    const o = orgs.get(id);
    if (o && !o.person_ids.includes(person.id)) o.person_ids.push(person.id);
  }
  person.organization_ids = next;
}

/** Creates a person; 422 (bare array) when an email belongs to another person. */
export function createPerson(
  core: EmulatorCore,
  input: {
    first_name: string;
    last_name: string;
    emails: string[];
    organization_ids?: number[];
    type?: 0 | 1;
    created_at?: string;
  },
): PersonRow {
  const emails = [...new Set(input.emails.map((e) => e.trim().toLowerCase()))];
  checkEmailsFree(core, emails);
  const orgIds = uniq(input.organization_ids ?? []);
  requireOrganizations(core, orgIds);
  const p: PersonRow = {
    id: core.nextId(),
    type: input.type ?? 0,
    first_name: input.first_name,
    last_name: input.last_name,
    emails,
    organization_ids: [],
    current_organization_ids: [],
    created_at: input.created_at ?? core.timestamp(),
  };
  tablesOf(core).persons.insert(p);
  linkPersonOrgs(core, p, orgIds);
  p.current_organization_ids = orgIds.slice(0, 1);
  const idx = index(core);
  for (const e of emails) idx.emails.set(e, p.id);
  idx.personTerms.add(p.id, personTokenList(p));
  return p;
}

/** Updates a person; given `emails`/`organization_ids` replace the whole set. */
export function updatePerson(
  core: EmulatorCore,
  p: PersonRow,
  patch: { first_name?: string; last_name?: string; emails?: string[]; organization_ids?: number[] },
): PersonRow {
  const emails = patch.emails ? [...new Set(patch.emails.map((e) => e.trim().toLowerCase()))] : undefined;
  if (emails) checkEmailsFree(core, emails, p.id);
  if (patch.organization_ids) requireOrganizations(core, patch.organization_ids);
  const idx = index(core);
  idx.personTerms.remove(p.id, personTokenList(p));
  if (patch.first_name !== undefined) p.first_name = patch.first_name;
  if (patch.last_name !== undefined) p.last_name = patch.last_name;
  if (emails) {
    for (const e of p.emails) if (idx.emails.get(e) === p.id) idx.emails.delete(e);
    p.emails = emails;
    for (const e of emails) idx.emails.set(e, p.id);
  }
  if (patch.organization_ids) {
    const next = uniq(patch.organization_ids);
    linkPersonOrgs(core, p, next);
    p.current_organization_ids = p.current_organization_ids.filter((id) => next.includes(id));
  }
  idx.personTerms.add(p.id, personTokenList(p));
  forgetJson(core, p.id);
  return p;
}

/** Deletes a person with its list entries and field values, and unlinks it everywhere. */
export function deletePerson(core: EmulatorCore, p: PersonRow): void {
  const idx = index(core);
  const t = tablesOf(core);
  linkPersonOrgs(core, p, []);
  for (const oppId of idx.oppsByPerson.get(p.id) ?? []) {
    const o = t.opportunities.get(oppId);
    if (o) o.person_ids = o.person_ids.filter((id) => id !== p.id);
  }
  idx.oppsByPerson.delete(p.id);
  for (const e of [...(idx.entriesByEntity.get(p.id) ?? [])]) removeListEntryRow(core, e);
  removeEntityValues(core, p.id);
  for (const e of p.emails) if (idx.emails.get(e) === p.id) idx.emails.delete(e);
  idx.personTerms.remove(p.id, personTokenList(p));
  forgetJson(core, p.id);
  t.persons.delete(p.id);
}

/** 422 when `domain` is already another organization's. */
function checkDomainsFree(core: EmulatorCore, domains: readonly string[], selfId?: number): void {
  const owners = index(core).domains;
  for (const d of domains) {
    const owner = owners.get(d);
    if (owner !== undefined && owner !== selfId)
      throw unprocessable('An organization with this domain already exists.');
  }
}

export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
}

function linkOrgPersons(core: EmulatorCore, org: OrganizationRow, next: number[]): void {
  const persons = tablesOf(core).persons;
  for (const id of org.person_ids) {
    if (next.includes(id)) continue;
    const p = persons.get(id);
    if (p) {
      p.organization_ids = p.organization_ids.filter((o) => o !== org.id);
      p.current_organization_ids = p.current_organization_ids.filter((o) => o !== org.id);
    }
  }
  for (const id of next) {
    const p = persons.get(id);
    if (p && !p.organization_ids.includes(org.id)) p.organization_ids.push(org.id);
  }
  org.person_ids = next;
}

export function createOrganization(
  core: EmulatorCore,
  input: {
    name: string;
    domain?: string | null;
    domains?: string[];
    person_ids?: number[];
    global?: boolean;
    crunchbase_uuid?: string | null;
    created_at?: string;
  },
): OrganizationRow {
  const domain = input.domain ? normalizeDomain(input.domain) : null;
  const domains = [...new Set([...(domain ? [domain] : []), ...(input.domains ?? []).map(normalizeDomain)])];
  checkDomainsFree(core, domains);
  const personIds = uniq(input.person_ids ?? []);
  requirePersons(core, personIds);
  const o: OrganizationRow = {
    id: core.nextId(),
    name: input.name,
    domain: domain ?? domains[0] ?? null,
    domains,
    global: input.global ?? false,
    crunchbase_uuid: input.crunchbase_uuid ?? null,
    person_ids: [],
    created_at: input.created_at ?? core.timestamp(),
  };
  tablesOf(core).organizations.insert(o);
  linkOrgPersons(core, o, personIds);
  const idx = index(core);
  for (const d of domains) idx.domains.set(d, o.id);
  idx.orgTerms.add(o.id, orgTokenList(o));
  return o;
}

/** Updates an organization; a global one keeps its name and domain (422 otherwise). */
export function updateOrganization(
  core: EmulatorCore,
  o: OrganizationRow,
  patch: { name?: string; domain?: string | null; person_ids?: number[] },
): OrganizationRow {
  const domain =
    patch.domain === undefined ? undefined : patch.domain === null ? null : normalizeDomain(patch.domain);
  if (
    o.global &&
    ((patch.name !== undefined && patch.name !== o.name) || (domain !== undefined && domain !== o.domain))
  ) {
    throw unprocessable('Cannot change the name or domain of a global organization.');
  }
  if (domain) checkDomainsFree(core, [domain], o.id);
  if (patch.person_ids) requirePersons(core, patch.person_ids);
  const idx = index(core);
  idx.orgTerms.remove(o.id, orgTokenList(o));
  if (patch.name !== undefined) o.name = patch.name;
  if (domain !== undefined) {
    for (const d of o.domains) if (idx.domains.get(d) === o.id) idx.domains.delete(d);
    const rest = o.domains.filter((d) => d !== o.domain);
    o.domain = domain;
    o.domains = domain ? [domain, ...rest.filter((d) => d !== domain)] : rest;
    for (const d of o.domains) idx.domains.set(d, o.id);
  }
  if (patch.person_ids) linkOrgPersons(core, o, uniq(patch.person_ids));
  idx.orgTerms.add(o.id, orgTokenList(o));
  forgetJson(core, o.id);
  return o;
}

/** Deletes an organization (never a global one) with its list entries and field values. */
export function deleteOrganization(core: EmulatorCore, o: OrganizationRow): void {
  if (o.global) throw unprocessable('Global organizations cannot be deleted.');
  const idx = index(core);
  const t = tablesOf(core);
  linkOrgPersons(core, o, []);
  for (const oppId of idx.oppsByOrg.get(o.id) ?? []) {
    const opp = t.opportunities.get(oppId);
    if (opp) opp.organization_ids = opp.organization_ids.filter((id) => id !== o.id);
  }
  idx.oppsByOrg.delete(o.id);
  for (const e of [...(idx.entriesByEntity.get(o.id) ?? [])]) removeListEntryRow(core, e);
  removeEntityValues(core, o.id);
  for (const d of o.domains) if (idx.domains.get(d) === o.id) idx.domains.delete(d);
  idx.orgTerms.remove(o.id, orgTokenList(o));
  forgetJson(core, o.id);
  t.organizations.delete(o.id);
}

/**
 * Merges organization `from` into `into` the way merging in the product does: persons, list
 * entries, field values and opportunities move over, `from` disappears.
 */
export function mergeOrganizations(core: EmulatorCore, from: OrganizationRow, into: OrganizationRow): void {
  const idx = index(core);
  const t = tablesOf(core);
  const personIds = uniq([...into.person_ids, ...from.person_ids]);
  linkOrgPersons(core, from, []);
  linkOrgPersons(core, into, personIds);
  for (const oppId of idx.oppsByOrg.get(from.id) ?? []) {
    const opp = t.opportunities.get(oppId);
    if (!opp) continue;
    opp.organization_ids = uniq(opp.organization_ids.map((id) => (id === from.id ? into.id : id)));
    push(idx.oppsByOrg, into.id, opp.id);
  }
  idx.oppsByOrg.delete(from.id);
  for (const e of [...(idx.entriesByEntity.get(from.id) ?? [])]) {
    pull(idx.entriesByEntity, from.id, e);
    e.entity_id = into.id;
    push(idx.entriesByEntity, into.id, e);
  }
  for (const v of [...(idx.valuesByEntity.get(from.id) ?? [])]) {
    pull(idx.valuesByEntity, from.id, v);
    v.entity_id = into.id;
    push(idx.valuesByEntity, into.id, v);
  }
  for (const d of from.domains) if (idx.domains.get(d) === from.id) idx.domains.delete(d);
  idx.orgTerms.remove(from.id, orgTokenList(from));
  idx.orgTerms.remove(into.id, orgTokenList(into));
  for (const d of from.domains) {
    if (!into.domains.includes(d)) into.domains.push(d);
    idx.domains.set(d, into.id);
  }
  idx.orgTerms.add(into.id, orgTokenList(into));
  forgetJson(core, into.id);
  forgetJson(core, from.id);
  t.organizations.delete(from.id);
}

// ---------------------------------------------------------------------------------------------
// Lists, list entries, opportunities

/** Whether the user may see the list: public, owner, creator or in its additional permissions. */
export function canSeeList(list: ListRow, userId: number): boolean {
  return (
    list.public ||
    list.owner_id === userId ||
    list.creator_id === userId ||
    list.additional_permissions.some((p) => p.internal_person_id === userId)
  );
}

/**
 * The list, 403 when private to someone else. A missing list is a 404 when its id came in the
 * path, a 422 naming `param` when it came as a parameter.
 */
export function visibleList(core: EmulatorCore, listId: number, userId: number, param?: string): ListRow {
  const lists = tablesOf(core).lists;
  const list = param === undefined ? lists.require(listId, 'List') : lists.reference(listId, 'List', param);
  if (!canSeeList(list, userId)) throw new ApiError(403, { message: 'Insufficient rights to this list.' });
  return list;
}

export function createList(
  core: EmulatorCore,
  input: {
    name: string;
    type: EntityType;
    public: boolean;
    owner_id: number;
    creator_id: number;
    additional_permissions?: ListPermission[];
    created_at?: string;
  },
): ListRow {
  const l: ListRow = {
    id: core.nextId(),
    type: input.type,
    name: input.name,
    public: input.public,
    owner_id: input.owner_id,
    creator_id: input.creator_id,
    additional_permissions: input.additional_permissions ?? [],
    created_at: input.created_at ?? core.timestamp(),
  };
  return tablesOf(core).lists.insert(l);
}

/** The kind of entity `id` is (ids are unique across kinds), or null. */
export function entityKind(core: EmulatorCore, id: number): EntityType | null {
  const t = tablesOf(core);
  if (t.persons.get(id)) return 0;
  if (t.organizations.get(id)) return 1;
  if (t.opportunities.get(id)) return 8;
  return null;
}

/** Adds an entry (duplicates allowed on person/organization lists, as in the product). */
export function createListEntry(
  core: EmulatorCore,
  list: ListRow,
  entityId: number,
  creatorId: number,
  createdAt?: string,
): ListEntryRow {
  const kind = entityKind(core, entityId);
  if (kind === null) throw unknownReference('Entity', entityId, 'entity_id');
  if (kind !== list.type) {
    throw unprocessable(
      `entity_id ${entityId} is not a ${['person', 'organization'][list.type] ?? 'opportunity'}`,
    );
  }
  const e: ListEntryRow = {
    id: core.nextId(),
    list_id: list.id,
    creator_id: creatorId,
    entity_id: entityId,
    entity_type: list.type,
    created_at: createdAt ? new Date(createdAt).toISOString() : core.now().toISOString(),
  };
  tablesOf(core).listEntries.insert(e);
  const idx = index(core);
  push(idx.entriesByList, list.id, e);
  push(idx.entriesByEntity, entityId, e);
  idx.newestFirst.delete(list.id);
  return e;
}

function removeListEntryRow(core: EmulatorCore, e: ListEntryRow): void {
  const idx = index(core);
  const t = tablesOf(core);
  for (const v of [...(idx.valuesByEntity.get(e.entity_id) ?? [])]) {
    if (v.list_entry_id === e.id) removeValueRow(core, v);
  }
  pull(idx.entriesByList, e.list_id, e);
  pull(idx.entriesByEntity, e.entity_id, e);
  idx.newestFirst.delete(e.list_id);
  t.listEntries.delete(e.id);
}

/**
 * Deletes a list entry and its list-specific values; an opportunity's entry takes the
 * opportunity with it. Returns the deleted opportunity, if any.
 */
export function deleteListEntry(core: EmulatorCore, e: ListEntryRow): OpportunityRow | null {
  removeListEntryRow(core, e);
  if (e.entity_type !== 8) return null;
  const opp = tablesOf(core).opportunities.get(e.entity_id);
  if (opp) removeOpportunityRow(core, opp);
  return opp ?? null;
}

/** Entries of a list, newest first (cached until the list changes). */
export function listEntriesNewestFirst(core: EmulatorCore, listId: number): readonly ListEntryRow[] {
  const idx = index(core);
  let sorted = idx.newestFirst.get(listId);
  if (!sorted) {
    sorted = [...(idx.entriesByList.get(listId) ?? [])].sort((a, b) =>
      a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1,
    );
    idx.newestFirst.set(listId, sorted);
  }
  return sorted;
}

export function createOpportunity(
  core: EmulatorCore,
  input: {
    name: string;
    list: ListRow;
    person_ids?: number[];
    organization_ids?: number[];
    creator_id: number;
    created_at?: string;
  },
): { opportunity: OpportunityRow; entry: ListEntryRow } {
  if (input.list.type !== 8) throw unprocessable('The list must be a list of opportunities.');
  const personIds = uniq(input.person_ids ?? []);
  const orgIds = uniq(input.organization_ids ?? []);
  requirePersons(core, personIds);
  requireOrganizations(core, orgIds);
  const o: OpportunityRow = {
    id: core.nextId(),
    name: input.name,
    person_ids: personIds,
    organization_ids: orgIds,
    list_id: input.list.id,
    created_at: input.created_at ?? core.timestamp(),
  };
  tablesOf(core).opportunities.insert(o);
  const idx = index(core);
  idx.oppTerms.add(o.id, oppTokenList(o));
  for (const p of personIds) push(idx.oppsByPerson, p, o.id);
  for (const g of orgIds) push(idx.oppsByOrg, g, o.id);
  const entry = createListEntry(core, input.list, o.id, input.creator_id, input.created_at);
  return { opportunity: o, entry };
}

export function updateOpportunity(
  core: EmulatorCore,
  o: OpportunityRow,
  patch: { name?: string; person_ids?: number[]; organization_ids?: number[] },
): OpportunityRow {
  if (patch.person_ids) requirePersons(core, patch.person_ids);
  if (patch.organization_ids) requireOrganizations(core, patch.organization_ids);
  const idx = index(core);
  if (patch.name !== undefined) {
    idx.oppTerms.remove(o.id, oppTokenList(o));
    o.name = patch.name;
    idx.oppTerms.add(o.id, oppTokenList(o));
  }
  if (patch.person_ids) {
    for (const p of o.person_ids) pull(idx.oppsByPerson, p, o.id);
    o.person_ids = uniq(patch.person_ids);
    for (const p of o.person_ids) push(idx.oppsByPerson, p, o.id);
  }
  if (patch.organization_ids) {
    for (const g of o.organization_ids) pull(idx.oppsByOrg, g, o.id);
    o.organization_ids = uniq(patch.organization_ids);
    for (const g of o.organization_ids) push(idx.oppsByOrg, g, o.id);
  }
  return o;
}

function removeOpportunityRow(core: EmulatorCore, o: OpportunityRow): void {
  const idx = index(core);
  for (const p of o.person_ids) pull(idx.oppsByPerson, p, o.id);
  for (const g of o.organization_ids) pull(idx.oppsByOrg, g, o.id);
  idx.oppTerms.remove(o.id, oppTokenList(o));
  removeEntityValues(core, o.id);
  tablesOf(core).opportunities.delete(o.id);
}

/** Deletes an opportunity and its list entry; returns the entry that went with it. */
export function deleteOpportunity(core: EmulatorCore, o: OpportunityRow): ListEntryRow | null {
  const entry = index(core).entriesByEntity.get(o.id)?.[0] ?? null;
  if (entry) removeListEntryRow(core, entry);
  removeOpportunityRow(core, o);
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Fields, field values, field value changes

/** Whether values of `field` may record changes (the reference's table; never enriched fields). */
export function supportsChanges(
  f: Pick<FieldRow, 'value_type' | 'allows_multiple' | 'enrichment_source'>,
): boolean {
  if (f.enrichment_source !== 'none') return false;
  return f.allows_multiple ? [0, 1, 3, 5].includes(f.value_type) : [0, 1, 3, 4, 5, 7].includes(f.value_type);
}

export function createField(
  core: EmulatorCore,
  input: {
    name: string;
    entity_type: EntityType;
    value_type: ValueType;
    list_id: number | null;
    allows_multiple?: boolean;
    track_changes?: boolean;
    is_required?: boolean;
    enrichment_source?: string;
    dropdown_options?: Array<{ text: string; color?: number }>;
    created_at?: string;
  },
): FieldRow {
  const base = {
    value_type: input.value_type,
    allows_multiple: input.allows_multiple ?? false,
    enrichment_source: input.enrichment_source ?? 'none',
  };
  const f: FieldRow = {
    id: core.nextId(),
    name: input.name,
    list_id: input.list_id,
    entity_type: input.entity_type,
    ...base,
    track_changes: (input.track_changes ?? true) && supportsChanges(base),
    is_required: input.is_required ?? false,
    dropdown_options: [],
    created_at: input.created_at ?? core.timestamp(),
  };
  f.dropdown_options = (input.dropdown_options ?? []).map(
    (o, rank): DropdownOption => ({ id: core.nextId(), text: o.text, rank, color: o.color ?? 0 }),
  );
  return tablesOf(core).fields.insert(f);
}

/** Deletes a field and every value of it. */
export function deleteField(core: EmulatorCore, f: FieldRow): void {
  const t = tablesOf(core);
  for (const v of [...t.fieldValues.values()]) if (v.field_id === f.id) removeValueRow(core, v);
  t.fields.delete(f.id);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Pacific calendar day of `ms` as `YYYY-MM-DD`: shifted by the (cached) offset, Intl only for odd years. */
function pacificDay(ms: number): string {
  const d = new Date(ms);
  const offset = pacificOffset(d);
  const minutes =
    (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(ms + minutes * 60_000);
  const year = local.getUTCFullYear();
  // Before 1883 the zone ran on local mean time (seconds in the offset), which `pacificOffset` rounds.
  return year >= 1900 && year <= 9999 ? local.toISOString().slice(0, 10) : dayFormat.format(d);
}

/** A date value as stored since 2026: midnight Pacific of the Pacific calendar day given. */
export function toStoredDate(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const v = value.trim();
  let day: string;
  if (DATE_ONLY.test(v)) day = v;
  else {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) return null;
    day = pacificDay(ms);
  }
  if (Number.isNaN(Date.parse(`${day}T12:00:00Z`))) return null;
  return `${day}T00:00:00.000${pacificOffset(new Date(`${day}T12:00:00Z`))}`;
}

const LOCATION_KEYS = ['street_address', 'city', 'state', 'country', 'continent'] as const;

/** Checks `raw` against the field's value type; returns what to store or answers 422. */
export function coerceValue(core: EmulatorCore, field: FieldRow, raw: unknown): StoredValue {
  const bad = (why: string): ApiError => unprocessable(`Invalid value for field ${field.id}: ${why}`);
  if (raw === undefined || raw === null) throw unprocessable('value is required');
  switch (field.value_type) {
    case 0:
    case 1: {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\d+$/.test(raw)
            ? Number(raw)
            : Number.NaN;
      if (!Number.isInteger(n))
        throw bad(`expected the id of ${field.value_type === 0 ? 'a person' : 'an organization'}`);
      const exists =
        field.value_type === 0 ? tablesOf(core).persons.get(n) : tablesOf(core).organizations.get(n);
      if (!exists) throw bad(`${field.value_type === 0 ? 'person' : 'organization'} ${n} not found`);
      return n;
    }
    case 2:
    case 6:
      if (typeof raw !== 'string') throw bad('expected a string');
      return raw;
    case 3: {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN;
      if (!Number.isFinite(n)) throw bad('expected a number');
      return n;
    }
    case 4: {
      const d = toStoredDate(raw);
      if (!d) throw bad('expected an ISO-8601 date');
      return d;
    }
    case 5: {
      if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected a location object');
      const src = raw as Record<string, unknown>;
      const loc: LocationValue = {
        street_address: null,
        city: null,
        state: null,
        country: null,
        continent: null,
      };
      for (const k of Object.keys(src)) {
        if (!(LOCATION_KEYS as readonly string[]).includes(k)) throw bad(`unknown location key ${k}`);
      }
      for (const k of LOCATION_KEYS) {
        const v = src[k];
        if (v === undefined || v === null) continue;
        if (typeof v !== 'string') throw bad(`${k} must be a string`);
        loc[k] = v;
      }
      return loc;
    }
    case 7: {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\d+$/.test(raw)
            ? Number(raw)
            : Number.NaN;
      if (!Number.isInteger(n)) throw bad('ranked dropdown values are dropdown option ids, not text');
      if (!field.dropdown_options.some((o) => o.id === n)) throw bad(`dropdown option ${n} not found`);
      return n;
    }
    default:
      throw bad('unknown value type');
  }
}

/** A stored value as the API renders it (ranked dropdowns become `{id, text, rank, color}`). */
export function renderValue(
  core: EmulatorCore,
  fieldId: number,
  valueType: ValueType,
  value: StoredValue,
): unknown {
  if (valueType === 7) {
    const f = tablesOf(core).fields.get(fieldId);
    const o = f?.dropdown_options.find((d) => d.id === value);
    return o ? { id: o.id, text: o.text, rank: o.rank, color: o.color } : null;
  }
  return value;
}

function recordChange(
  core: EmulatorCore,
  f: FieldRow,
  v: FieldValueRow,
  action: ActionType,
  changerId: number,
): void {
  if (!f.track_changes) return;
  tablesOf(core).fieldValueChanges.insert({
    id: core.nextId(),
    field_id: f.id,
    entity_id: v.entity_id,
    entity_type: v.entity_type,
    list_entry_id: v.list_entry_id,
    action_type: action,
    changer_id: changerId,
    changed_at: core.timestamp(),
    value: renderValue(core, f.id, f.value_type, v.value),
  });
}

/**
 * Creates a value after the live API's checks: the entity matches the field's entity type,
 * list-specific fields need an entry of their list for that entity (global ones take none), the
 * value fits the value type, and a single-valued cell holds at most one value.
 */
export function createFieldValue(
  core: EmulatorCore,
  input: {
    field: FieldRow;
    entityId: number;
    listEntryId?: number;
    value: unknown;
    changerId: number;
    createdAt?: string;
  },
): FieldValueRow {
  const { field } = input;
  const kind = entityKind(core, input.entityId);
  if (kind === null) throw unknownReference('Entity', input.entityId, 'entity_id');
  if (kind !== field.entity_type)
    throw unprocessable(`entity_id ${input.entityId} does not match the field's entity type`);
  let listEntryId: number | null = null;
  if (field.list_id !== null) {
    if (input.listEntryId === undefined)
      throw unprocessable('list_entry_id is required for list-specific fields');
    const e = tablesOf(core).listEntries.get(input.listEntryId);
    if (!e || e.list_id !== field.list_id || e.entity_id !== input.entityId) {
      throw unprocessable(
        `list_entry_id ${input.listEntryId} is not an entry of this entity on the field's list`,
      );
    }
    listEntryId = e.id;
  } else if (input.listEntryId !== undefined) {
    throw unprocessable('list_entry_id must only be given for list-specific fields');
  }
  const stored = coerceValue(core, field, input.value);
  const idx = index(core);
  if (!field.allows_multiple) {
    const taken = (idx.valuesByEntity.get(input.entityId) ?? []).some(
      (v) => v.field_id === field.id && v.list_entry_id === listEntryId,
    );
    if (taken) throw unprocessable(`Field ${field.id} does not allow multiple values`);
  }
  const v: FieldValueRow = {
    id: core.nextId(),
    field_id: field.id,
    entity_id: input.entityId,
    entity_type: kind,
    value_type: field.value_type,
    list_entry_id: listEntryId,
    value: stored,
    created_at: input.createdAt ?? core.timestamp(),
    updated_at: null,
  };
  tablesOf(core).fieldValues.insert(v);
  push(idx.valuesByEntity, v.entity_id, v);
  recordChange(core, field, v, 0, input.changerId);
  return v;
}

export function updateFieldValue(
  core: EmulatorCore,
  v: FieldValueRow,
  raw: unknown,
  changerId: number,
): FieldValueRow {
  const field = tablesOf(core).fields.require(v.field_id, 'Field');
  v.value = coerceValue(core, field, raw);
  v.updated_at = core.timestamp();
  recordChange(core, field, v, 2, changerId);
  return v;
}

export function deleteFieldValue(core: EmulatorCore, v: FieldValueRow, changerId: number): void {
  const field = tablesOf(core).fields.get(v.field_id);
  if (field) recordChange(core, field, v, 1, changerId);
  removeValueRow(core, v);
}

function removeValueRow(core: EmulatorCore, v: FieldValueRow): void {
  pull(index(core).valuesByEntity, v.entity_id, v);
  tablesOf(core).fieldValues.delete(v.id);
}

function removeEntityValues(core: EmulatorCore, entityId: number): void {
  for (const v of [...(index(core).valuesByEntity.get(entityId) ?? [])]) removeValueRow(core, v);
}

// ---------------------------------------------------------------------------------------------
// Renderings

/** A person as nested elsewhere (list-entry `entity`, `changer`, field-value-change `person`). */
export function personSummary(p: PersonRow): Record<string, unknown> {
  return {
    id: p.id,
    type: p.type,
    first_name: p.first_name,
    last_name: p.last_name,
    primary_email: p.emails[0] ?? null,
    emails: p.emails,
  };
}

/**
 * The summary JSON of each row in `ids` (ids of existing persons or organizations), as search
 * pages join them. Texts are cached by id in the entity index: one map lookup per row on a hit.
 * Only this file writes rows, and each writer that changes a summarised field, or deletes the row,
 * forgets its text (`forgetJson`); replacing the state drops the index and with it the cache.
 */
function summariesJson<T extends { id: number }>(
  core: EmulatorCore,
  ids: readonly number[],
  table: Table<T>,
  render: (row: T) => Record<string, unknown>,
): string[] {
  const cache = index(core).summaryJson;
  const out: string[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    let text = cache.get(id);
    if (text === undefined) {
      text = JSON.stringify(render(table.get(id) as T));
      cache.set(id, text);
    }
    out[i] = text;
  }
  return out;
}

function forgetJson(core: EmulatorCore, id: number): void {
  index(core).summaryJson.delete(id);
}

/** `JSON.stringify(personSummary(p))` for each person id, cached until the person changes. */
export function personSummariesJson(core: EmulatorCore, ids: readonly number[]): string[] {
  return summariesJson(core, ids, tablesOf(core).persons, personSummary);
}

/** `JSON.stringify(organizationSummary(o))` for each organization id, cached until it changes. */
export function organizationSummariesJson(core: EmulatorCore, ids: readonly number[]): string[] {
  return summariesJson(core, ids, tablesOf(core).organizations, organizationSummary);
}

export function organizationSummary(o: OrganizationRow): Record<string, unknown> {
  return {
    id: o.id,
    name: o.name,
    domain: o.domain,
    domains: o.domains,
    crunchbase_uuid: o.crunchbase_uuid,
    global: o.global,
  };
}

export function opportunitySummary(o: OpportunityRow): Record<string, unknown> {
  return { id: o.id, name: o.name };
}

/** The nested `entity` of a list entry. */
export function entitySummary(
  core: EmulatorCore,
  type: EntityType,
  id: number,
): Record<string, unknown> | null {
  const t = tablesOf(core);
  if (type === 0) {
    const p = t.persons.get(id);
    return p ? personSummary(p) : null;
  }
  if (type === 1) {
    const o = t.organizations.get(id);
    return o ? organizationSummary(o) : null;
  }
  const o = t.opportunities.get(id);
  return o ? opportunitySummary(o) : null;
}

export function renderListEntry(
  core: EmulatorCore,
  e: ListEntryRow,
  withEntity: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: e.id,
    list_id: e.list_id,
    creator_id: e.creator_id,
    entity_id: e.entity_id,
    entity_type: e.entity_type,
    created_at: e.created_at,
  };
  if (withEntity) out.entity = entitySummary(core, e.entity_type, e.entity_id);
  return out;
}

/** Entries of an entity on lists the user can see, without nested entity (single GETs). */
export function entityListEntries(
  core: EmulatorCore,
  entityId: number,
  userId: number,
): Record<string, unknown>[] {
  const lists = tablesOf(core).lists;
  return (index(core).entriesByEntity.get(entityId) ?? [])
    .filter((e) => {
      const l = lists.get(e.list_id);
      return l ? canSeeList(l, userId) : false;
    })
    .map((e) => renderListEntry(core, e, false));
}

export function renderField(
  f: FieldRow,
  opts: { listName?: string | undefined; excludeDropdownOptions?: boolean } = {},
): Record<string, unknown> {
  return {
    id: f.id,
    name: opts.listName !== undefined && f.list_id !== null ? `[${opts.listName}] ${f.name}` : f.name,
    list_id: f.list_id,
    enrichment_source: f.enrichment_source,
    value_type: f.value_type,
    allows_multiple: f.allows_multiple,
    track_changes: f.track_changes,
    dropdown_options: opts.excludeDropdownOptions ? [] : f.dropdown_options,
  };
}

export function renderList(core: EmulatorCore, l: ListRow, withFields: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: l.id,
    type: l.type,
    name: l.name,
    public: l.public,
    owner_id: l.owner_id,
    creator_id: l.creator_id,
    list_size: index(core).entriesByList.get(l.id)?.length ?? 0,
    additional_permissions: l.additional_permissions,
  };
  if (withFields) {
    out.fields = [...tablesOf(core).fields.values()]
      .filter((f) => f.list_id === l.id)
      .map((f) => renderField(f));
  }
  return out;
}

/** `GET /persons/fields` and `GET /organizations/fields`: the global fields of one entity type. */
export function globalFields(core: EmulatorCore, entityType: 0 | 1): Array<Record<string, unknown>> {
  return [...tablesOf(core).fields.values()]
    .filter((f) => f.list_id === null && f.entity_type === entityType)
    .map((f) => renderField(f));
}

export function renderFieldValue(core: EmulatorCore, v: FieldValueRow): Record<string, unknown> {
  return {
    id: v.id,
    field_id: v.field_id,
    list_entry_id: v.list_entry_id,
    entity_type: v.entity_type,
    value_type: v.value_type,
    entity_id: v.entity_id,
    created_at: v.created_at,
    updated_at: v.updated_at,
    value: renderValue(core, v.field_id, v.value_type, v.value),
  };
}

export function renderOpportunity(
  core: EmulatorCore,
  o: OpportunityRow,
  userId: number,
): Record<string, unknown> {
  return {
    id: o.id,
    name: o.name,
    person_ids: o.person_ids,
    organization_ids: o.organization_ids,
    list_entries: entityListEntries(core, o.id, userId),
  };
}
