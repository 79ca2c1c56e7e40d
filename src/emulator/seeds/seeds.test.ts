/**
 * The seeds replayed against a builder that records every call and checks referential integrity
 * and value types as it goes (the emulator's own builder is exercised over HTTP in
 * `seeds.integration.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { demoUniverse, isRegistrableDomain } from '../../demo/universe.js';
import type { EntityType, LocationValue, SeedBuilder, SeedValue, ValueType } from '../seed-builder.js';
import { DEFAULT_GLOBAL_FIELDS, demoWorkspaceFacts, EMPTY_OWNER, seeds } from './index.js';

interface FieldRec {
  id: number;
  name: string;
  entityType: EntityType;
  valueType: ValueType;
  listId: number | null;
  allowsMultiple: boolean;
  enrichmentSource: string;
  optionIds: number[];
}
interface PersonRec {
  id: number;
  type: 0 | 1;
  firstName: string;
  lastName: string;
  emails: string[];
  organizationIds: number[];
}
interface OrgRec {
  id: number;
  name: string;
  domain: string | null;
  domains: string[];
}
interface ValueRec {
  fieldId: number;
  entityId: number;
  listEntryId: number | null;
  value: SeedValue;
}

const LOCATION_KEYS = ['city', 'continent', 'country', 'state', 'street_address'];
const isIso = (s: unknown): boolean =>
  typeof s === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s);

/** Records a seed and collects every integrity problem instead of stopping at the first. */
class CheckingBuilder implements SeedBuilder {
  private next = 1;
  readonly calls: Array<[string, unknown]> = [];
  readonly problems: string[] = [];
  readonly persons = new Map<number, PersonRec>();
  readonly orgs = new Map<number, OrgRec>();
  readonly opportunities = new Map<number, { name: string; listId: number; organizationIds: number[] }>();
  readonly lists = new Map<number, { name: string; type: EntityType; public: boolean }>();
  readonly fields = new Map<number, FieldRec>();
  readonly entries = new Map<number, { listId: number; entityId: number }>();
  readonly values: ValueRec[] = [];
  readonly interactions: Array<{ type: number; personIds: number[] }> = [];
  readonly notes: Array<{
    type: number;
    personIds: number[];
    organizationIds: number[];
    opportunityIds: number[];
  }> = [];
  readonly reminders: Array<{ type: number }> = [];
  readonly strengths = new Map<string, number>();
  private readonly emails = new Set<string>();
  private readonly singleValues = new Set<string>();

  private id(): number {
    return this.next++;
  }
  private check(ok: boolean, message: string): void {
    if (!ok) this.problems.push(message);
  }
  private isUser(id: number | undefined): boolean {
    return id !== undefined && this.persons.get(id)?.type === 1;
  }
  private exists(type: EntityType, id: number): boolean {
    if (type === 0) return this.persons.has(id);
    if (type === 1) return this.orgs.has(id);
    return this.opportunities.has(id);
  }
  private claimEmails(emails: string[]): void {
    for (const e of emails) {
      this.check(e === e.toLowerCase() && /^[^@\s]+@[a-z0-9.-]+\.[a-z]+$/.test(e), `bad email ${e}`);
      this.check(!this.emails.has(e), `email used twice: ${e}`);
      this.emails.add(e);
    }
  }

  addUser(u: Parameters<SeedBuilder['addUser']>[0]): number {
    this.calls.push(['addUser', u]);
    this.claimEmails([u.email]);
    const id = this.id();
    this.persons.set(id, { id, type: 1, ...u, emails: [u.email], organizationIds: [] });
    return id;
  }
  addList(l: Parameters<SeedBuilder['addList']>[0]): number {
    this.calls.push(['addList', l]);
    this.check(this.isUser(l.ownerId), `list ${l.name}: owner is not a user`);
    this.check(
      l.creatorId === undefined || this.isUser(l.creatorId),
      `list ${l.name}: creator is not a user`,
    );
    for (const p of l.additionalPermissions ?? []) {
      this.check(this.isUser(p.internal_person_id), `list ${l.name}: permission for a non-user`);
    }
    const id = this.id();
    this.lists.set(id, { name: l.name, type: l.type, public: l.public });
    return id;
  }
  addField(f: Parameters<SeedBuilder['addField']>[0]): { id: number; optionIds: number[] } {
    this.calls.push(['addField', f]);
    if (f.listId !== undefined) {
      const list = this.lists.get(f.listId);
      this.check(list !== undefined, `field ${f.name}: unknown list`);
      this.check(list?.type === f.entityType, `field ${f.name}: entity type differs from its list's`);
    }
    const ranked = f.valueType === 7;
    this.check(ranked === (f.dropdownOptions !== undefined), `field ${f.name}: options iff ranked dropdown`);
    if (f.enrichmentSource !== undefined && f.enrichmentSource !== 'none') {
      this.check(f.trackChanges !== true, `field ${f.name}: enriched fields do not track changes`);
    }
    const id = this.id();
    const optionIds = (f.dropdownOptions ?? []).map(() => this.id());
    this.fields.set(id, {
      id,
      name: f.name,
      entityType: f.entityType,
      valueType: f.valueType,
      listId: f.listId ?? null,
      allowsMultiple: f.allowsMultiple ?? false,
      enrichmentSource: f.enrichmentSource ?? 'none',
      optionIds,
    });
    return { id, optionIds };
  }
  addOrganization(o: Parameters<SeedBuilder['addOrganization']>[0]): number {
    this.calls.push(['addOrganization', o]);
    const domains = o.domains ?? (o.domain === null ? [] : [o.domain]);
    for (const d of domains) this.check(isRegistrableDomain(d), `org ${o.name}: bad domain ${d}`);
    this.check(
      o.domain === null || domains[0] === o.domain,
      `org ${o.name}: domain is not the first of domains`,
    );
    const id = this.id();
    this.orgs.set(id, { id, name: o.name, domain: o.domain, domains });
    return id;
  }
  addPerson(p: Parameters<SeedBuilder['addPerson']>[0]): number {
    this.calls.push(['addPerson', p]);
    this.claimEmails(p.emails);
    for (const o of p.organizationIds ?? [])
      this.check(this.orgs.has(o), `person ${p.lastName}: unknown org ${o}`);
    const id = this.id();
    this.persons.set(id, {
      id,
      type: p.type ?? 0,
      firstName: p.firstName,
      lastName: p.lastName,
      emails: p.emails,
      organizationIds: p.organizationIds ?? [],
    });
    return id;
  }
  addOpportunity(o: Parameters<SeedBuilder['addOpportunity']>[0]): { id: number; listEntryId: number } {
    this.calls.push(['addOpportunity', o]);
    this.check(this.lists.get(o.listId)?.type === 8, `opportunity ${o.name}: not on an opportunity list`);
    for (const p of o.personIds ?? [])
      this.check(this.persons.has(p), `opportunity ${o.name}: unknown person`);
    for (const g of o.organizationIds ?? [])
      this.check(this.orgs.has(g), `opportunity ${o.name}: unknown org`);
    this.check(
      o.creatorId === undefined || this.isUser(o.creatorId),
      `opportunity ${o.name}: creator not a user`,
    );
    this.check(o.createdAt === undefined || isIso(o.createdAt), `opportunity ${o.name}: bad createdAt`);
    const id = this.id();
    this.opportunities.set(id, { name: o.name, listId: o.listId, organizationIds: o.organizationIds ?? [] });
    const listEntryId = this.id();
    this.entries.set(listEntryId, { listId: o.listId, entityId: id });
    return { id, listEntryId };
  }
  addListEntry(e: Parameters<SeedBuilder['addListEntry']>[0]): number {
    this.calls.push(['addListEntry', e]);
    const list = this.lists.get(e.listId);
    this.check(
      list !== undefined && list.type !== 8,
      `entry: list ${e.listId} missing or an opportunity list`,
    );
    if (list !== undefined) {
      this.check(
        this.exists(list.type, e.entityId),
        `entry on ${list.name}: entity ${e.entityId} of wrong type`,
      );
      if (list.type === 0) this.check(!this.isUser(e.entityId), `entry on ${list.name}: internal person`);
    }
    this.check(e.creatorId === undefined || this.isUser(e.creatorId), 'entry: creator is not a user');
    this.check(e.createdAt === undefined || isIso(e.createdAt), 'entry: bad createdAt');
    const id = this.id();
    this.entries.set(id, { listId: e.listId, entityId: e.entityId });
    return id;
  }
  addFieldValue(v: Parameters<SeedBuilder['addFieldValue']>[0]): number {
    this.calls.push(['addFieldValue', v]);
    const field = this.fields.get(v.fieldId);
    if (field === undefined) {
      this.problems.push(`value for unknown field ${v.fieldId}`);
      return this.id();
    }
    const where = `value of ${field.name} (${field.id}) on ${v.entityId}`;
    if (field.listId !== null) {
      const entry = v.listEntryId === undefined ? undefined : this.entries.get(v.listEntryId);
      this.check(entry !== undefined, `${where}: list-specific value without a list entry`);
      this.check(entry?.listId === field.listId, `${where}: entry on another list`);
      this.check(entry?.entityId === v.entityId, `${where}: entry of another entity`);
    } else {
      this.check(v.listEntryId === undefined, `${where}: global value with a list entry`);
      this.check(this.exists(field.entityType, v.entityId), `${where}: entity missing or of the wrong type`);
    }
    const value = v.value;
    switch (field.valueType) {
      case 0:
        this.check(typeof value === 'number' && this.persons.has(value), `${where}: not a person id`);
        break;
      case 1:
        this.check(typeof value === 'number' && this.orgs.has(value), `${where}: not an organization id`);
        break;
      case 2:
      case 6:
        this.check(typeof value === 'string' && value.length > 0, `${where}: not a string`);
        break;
      case 3:
        this.check(typeof value === 'number' && Number.isFinite(value), `${where}: not a number`);
        break;
      case 4:
        this.check(isIso(value), `${where}: not a date`);
        break;
      case 5: {
        const ok =
          typeof value === 'object' &&
          Object.keys(value).sort().join() === LOCATION_KEYS.join() &&
          Object.values(value).every((x) => x === null || typeof x === 'string');
        this.check(ok, `${where}: not a location`);
        break;
      }
      case 7:
        this.check(
          typeof value === 'number' && field.optionIds.includes(value),
          `${where}: not an option id`,
        );
        break;
    }
    const cell = `${field.id}:${v.entityId}:${v.listEntryId ?? ''}`;
    const key = field.allowsMultiple ? `${cell}:${JSON.stringify(value)}` : cell;
    this.check(
      !this.singleValues.has(key),
      `${where}: ${field.allowsMultiple ? 'same value twice' : 'two values'}`,
    );
    this.singleValues.add(key);
    this.check(v.createdAt === undefined || isIso(v.createdAt), `${where}: bad createdAt`);
    this.values.push({ fieldId: v.fieldId, entityId: v.entityId, listEntryId: v.listEntryId ?? null, value });
    return this.id();
  }
  addInteraction(i: Parameters<SeedBuilder['addInteraction']>[0]): number {
    this.calls.push(['addInteraction', i]);
    this.check(isIso(i.date), 'interaction: bad date');
    this.check(
      i.personIds.every((p) => this.persons.has(p)),
      'interaction: unknown person',
    );
    this.check(
      i.personIds.some((p) => this.isUser(p)) && i.personIds.some((p) => !this.isUser(p)),
      'interaction: needs an internal and an external person',
    );
    this.check(
      i.personIds.every((p) => (this.persons.get(p)?.emails.length ?? 0) > 0),
      'interaction: a person without an email',
    );
    this.check(
      (i.direction !== undefined) === (i.type === 2 || i.type === 3),
      'interaction: direction iff chat/email',
    );
    this.check(i.creatorId === undefined || this.isUser(i.creatorId), 'interaction: creator not a user');
    this.interactions.push({ type: i.type, personIds: i.personIds });
    return this.id();
  }
  addNote(n: Parameters<SeedBuilder['addNote']>[0]): number {
    this.calls.push(['addNote', n]);
    this.check(this.isUser(n.creatorId), 'note: creator not a user');
    const personIds = n.personIds ?? [];
    const organizationIds = n.organizationIds ?? [];
    const opportunityIds = n.opportunityIds ?? [];
    this.check(
      personIds.every((p) => this.persons.has(p)),
      'note: unknown person',
    );
    this.check(
      organizationIds.every((p) => this.orgs.has(p)),
      'note: unknown organization',
    );
    this.check(
      opportunityIds.every((p) => this.opportunities.has(p)),
      'note: unknown opportunity',
    );
    this.check(personIds.length + organizationIds.length + opportunityIds.length > 0, 'note: on nothing');
    this.check(n.content.length > 0 && (n.type !== 2 || n.content.startsWith('<')), 'note: bad content');
    this.check(n.createdAt === undefined || isIso(n.createdAt), 'note: bad createdAt');
    this.notes.push({ type: n.type ?? 0, personIds, organizationIds, opportunityIds });
    return this.id();
  }
  addReminder(r: Parameters<SeedBuilder['addReminder']>[0]): number {
    this.calls.push(['addReminder', r]);
    this.check(this.isUser(r.ownerId) && this.isUser(r.creatorId), 'reminder: owner/creator not users');
    const targets = [r.personId, r.organizationId, r.opportunityId].filter((x) => x !== undefined);
    this.check(targets.length === 1, 'reminder: tagged to exactly one entity');
    if (r.personId !== undefined) this.check(this.persons.has(r.personId), 'reminder: unknown person');
    if (r.organizationId !== undefined) this.check(this.orgs.has(r.organizationId), 'reminder: unknown org');
    if (r.opportunityId !== undefined)
      this.check(this.opportunities.has(r.opportunityId), 'reminder: unknown opp');
    if (r.type === 0) this.check(isIso(r.dueDate), 'one-time reminder: needs a due date');
    else
      this.check(
        r.resetType !== undefined && (r.reminderDays ?? 0) > 0,
        'recurring reminder: reset and days',
      );
    this.reminders.push({ type: r.type });
    return this.id();
  }
  setRelationshipStrength(s: Parameters<SeedBuilder['setRelationshipStrength']>[0]): void {
    this.calls.push(['setRelationshipStrength', s]);
    this.check(this.isUser(s.internalId), 'strength: internal is not a user');
    this.check(this.persons.get(s.externalId)?.type === 0, 'strength: external is not an external person');
    this.check(s.strength >= 0 && s.strength <= 1, 'strength: outside 0..1');
    const key = `${s.internalId}:${s.externalId}`;
    this.check(!this.strengths.has(key), 'strength: pair set twice');
    this.strengths.set(key, s.strength);
  }

  fieldNamed(name: string, listName?: string): FieldRec {
    const listId = listName === undefined ? null : this.listNamed(listName);
    const f = [...this.fields.values()].find((x) => x.name === name && x.listId === listId);
    if (f === undefined) throw new Error(`no field ${name} on ${listName ?? 'global'}`);
    return f;
  }
  listNamed(name: string): number {
    const found = [...this.lists.entries()].find(([, l]) => l.name === name);
    if (found === undefined) throw new Error(`no list ${name}`);
    return found[0];
  }
}

function run(name: 'empty' | 'demo'): CheckingBuilder {
  const b = new CheckingBuilder();
  seeds[name](b);
  return b;
}

describe('empty seed', () => {
  const b = run('empty');

  it('has one user, the default global fields and nothing else', () => {
    expect(b.problems).toEqual([]);
    expect([...b.persons.values()]).toEqual([
      expect.objectContaining({ type: 1, emails: [EMPTY_OWNER.email], firstName: EMPTY_OWNER.firstName }),
    ]);
    expect([...b.fields.values()].map((f) => f.name)).toEqual(DEFAULT_GLOBAL_FIELDS.map((f) => f.name));
    expect([...b.fields.values()].every((f) => f.listId === null)).toBe(true);
    expect(b.orgs.size + b.lists.size + b.values.length + b.interactions.length).toBe(0);
  });

  it("includes the reference's default global fields", () => {
    const names = new Set(DEFAULT_GLOBAL_FIELDS.map((f) => f.name));
    for (const n of [
      'Location',
      'Industry',
      'Job Titles',
      'LinkedIn URL',
      'Phone Number',
      'Source of Introduction',
    ]) {
      expect(names.has(n)).toBe(true);
    }
    const sources = new Set(DEFAULT_GLOBAL_FIELDS.map((f) => f.enrichmentSource));
    expect(sources).toEqual(new Set(['affinity-data', 'crunchbase', 'pitchbook', 'none']));
  });
});

describe('demo seed', () => {
  const b = run('demo');
  const facts = demoWorkspaceFacts();
  const universe = demoUniverse();

  it('passes every integrity check of the recording builder', () => {
    expect([...new Set(b.problems.map((p) => p.replace(/\d+/g, '#')))]).toEqual([]);
  });

  it('is deterministic: two runs make the same calls', () => {
    const again = run('demo');
    expect(again.calls.length).toBe(b.calls.length);
    expect(again.calls).toEqual(b.calls);
  });

  it('creates what the facts say', () => {
    const users = [...b.persons.values()].filter((p) => p.type === 1);
    expect(users.map((u) => u.emails[0])).toEqual(facts.users.map((u) => u.email));
    expect(users[0]?.emails[0]).toBe(facts.users[0]?.email);
    expect(b.orgs.size).toBe(facts.counts.organizations);
    expect(b.persons.size - users.length).toBe(facts.counts.persons);
    expect(b.opportunities.size).toBe(facts.counts.opportunities);
    expect(b.interactions.length).toBe(facts.counts.interactions);
    expect(b.notes.length).toBe(facts.counts.notes);
    expect(b.reminders.length).toBe(facts.counts.reminders);
    for (const [key, name] of Object.entries(facts.lists) as Array<[keyof typeof facts.lists, string]>) {
      const listId = b.listNamed(name);
      expect(b.lists.get(listId)?.type).toBe(facts.listTypes[key]);
      const entries = [...b.entries.values()].filter((e) => e.listId === listId).length;
      expect(entries).toBe(facts.counts.listEntries[key]);
      for (const field of facts.listFields[key]) expect(b.fieldNamed(field, name).listId).toBe(listId);
    }
    for (const f of facts.customGlobalFields.organization) expect(b.fieldNamed(f).entityType).toBe(1);
    for (const f of facts.customGlobalFields.person) expect(b.fieldNamed(f).entityType).toBe(0);
  });

  it('has a realistic size: a few thousand entities, hundreds of activities', () => {
    expect(b.orgs.size).toBeGreaterThan(1_000);
    expect(b.persons.size).toBeGreaterThan(1_500);
    expect(b.orgs.size + b.persons.size).toBeLessThan(6_000);
    expect(b.interactions.length).toBeGreaterThanOrEqual(200);
    expect(b.notes.length).toBeGreaterThanOrEqual(200);
    expect(b.reminders.length).toBeGreaterThanOrEqual(100);
    expect(b.strengths.size).toBeGreaterThan(100);
    expect(new Set(b.interactions.map((i) => i.type))).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(b.notes.map((n) => n.type))).toEqual(new Set([0, 2]));
    expect(new Set(b.reminders.map((r) => r.type))).toEqual(new Set([0, 1]));
  });

  it('gives Deal Flow the Status, Owners and Amount fields, with ranked option ids', () => {
    const status = b.fieldNamed('Status', facts.lists.dealFlow);
    expect(status.valueType).toBe(7);
    expect(status.optionIds).toHaveLength(facts.dealFlowStatusOptions.length);
    expect(facts.dealFlowStatusOptions).toEqual(['New', 'Contacted', 'Diligence', 'IC', 'Won', 'Passed']);
    const used = new Set(b.values.filter((v) => v.fieldId === status.id).map((v) => v.value));
    expect(used.size).toBeGreaterThan(3);
    for (const v of used) expect(status.optionIds).toContain(v);
    const owners = b.fieldNamed('Owners', facts.lists.dealFlow);
    expect([owners.valueType, owners.allowsMultiple]).toEqual([0, true]);
    expect(b.fieldNamed('Amount', facts.lists.dealFlow).valueType).toBe(3);
  });

  it('uses every value type, multi-value person fields and locations with null parts', () => {
    const typesUsed = new Set(b.values.map((v) => b.fields.get(v.fieldId)?.valueType));
    expect(typesUsed).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    const jobTitles = b.fieldNamed('Job Titles');
    expect(jobTitles.allowsMultiple && jobTitles.entityType === 0).toBe(true);
    const perPerson = new Map<number, number>();
    for (const v of b.values) {
      const f = b.fields.get(v.fieldId);
      if (f?.entityType === 0 && f.allowsMultiple && f.listId === null) {
        perPerson.set(v.entityId, (perPerson.get(v.entityId) ?? 0) + 1);
      }
    }
    expect([...perPerson.values()].some((n) => n >= 2)).toBe(true);
    const locations = b.values.filter((v) => b.fields.get(v.fieldId)?.valueType === 5).map((v) => v.value);
    const withNulls = locations.filter((l) => Object.values(l as LocationValue).some((x) => x === null));
    expect(withNulls.length).toBeGreaterThan(100);
    expect(locations.some((l) => (l as LocationValue).city === null)).toBe(true);
  });

  it('overlaps the universe by domain and email, as the facts say', () => {
    const universeDomains = new Set([
      ...universe.companies.flatMap((c) => [c.domain, ...c.otherDomains]),
      ...universe.investors.map((i) => i.domain),
    ]);
    const universeEmails = new Set(universe.people.flatMap((p) => [p.email, ...p.otherEmails]));
    const orgs = [...b.orgs.values()];
    const matched = orgs.filter((o) => o.domains.some((d) => universeDomains.has(d)));
    expect(matched.length).toBe(facts.overlap.organizations);
    expect(facts.overlap.organizations).toBeGreaterThan(1_000);
    expect(facts.overlap.companies + facts.overlap.investors).toBe(facts.overlap.organizations);
    const externals = [...b.persons.values()].filter((p) => p.type === 0);
    const matchedPersons = externals.filter((p) => p.emails.some((e) => universeEmails.has(e)));
    expect(matchedPersons.length).toBe(facts.overlap.persons);
    // Same names and domains as the universe, not look-alikes.
    const byDomain = new Map(universe.companies.map((c) => [c.domain, c]));
    for (const d of facts.overlap.sampleDomains) {
      const org = orgs.find((o) => o.domain === d);
      expect(org?.name).toBe(byDomain.get(d)?.name ?? universe.investors.find((i) => i.domain === d)?.name);
    }
    for (const e of facts.overlap.sampleEmails) expect(universeEmails.has(e)).toBe(true);
  });

  it('has CRM-only organizations and persons that match nothing in the universe', () => {
    const universeDomains = new Set(universe.companies.flatMap((c) => [c.domain, ...c.otherDomains]));
    const universeEmails = new Set(universe.people.flatMap((p) => [p.email, ...p.otherEmails]));
    const crmOnlyOrgs = [...b.orgs.values()].filter(
      (o) => o.domain !== facts.firm.domain && !o.domains.some((d) => universeDomains.has(d)),
    );
    const investorDomains = new Set(universe.investors.map((i) => i.domain));
    const unmatched = crmOnlyOrgs.filter((o) => !o.domains.some((d) => investorDomains.has(d)));
    expect(unmatched.length).toBe(facts.crmOnly.organizations);
    expect(facts.crmOnly.organizations).toBeGreaterThanOrEqual(100);
    const crmOnlyPersons = [...b.persons.values()].filter(
      (p) => p.type === 0 && !p.emails.some((e) => universeEmails.has(e)),
    );
    expect(crmOnlyPersons.length).toBe(facts.crmOnly.persons);
    expect(facts.crmOnly.persons).toBeGreaterThanOrEqual(100);
    for (const d of facts.crmOnly.sampleDomains) expect(universeDomains.has(d)).toBe(false);
  });

  it('contains the tricky cases the facts list', () => {
    const t = facts.tricky;
    const orgs = [...b.orgs.values()];
    expect(t.sameNameDifferentDomain.length).toBeGreaterThan(0);
    for (const s of t.sameNameDifferentDomain) {
      const named = orgs.filter((o) => o.name === s.name).map((o) => o.domain);
      expect(named.sort()).toEqual([s.crmDomain, s.universeDomain].sort());
    }
    expect(t.organizationsWithTwoDomains.length).toBeGreaterThan(20);
    for (const o of t.organizationsWithTwoDomains) {
      expect(orgs.find((x) => x.domain === o.domains[0])?.domains).toEqual(o.domains);
    }
    expect(t.matchedBySecondaryDomain.length).toBeGreaterThan(0);
    for (const m of t.matchedBySecondaryDomain) {
      const c = universe.companies.find((x) => x.domain === m.universeDomain);
      expect(c?.otherDomains).toContain(m.crmDomain);
      expect(orgs.some((o) => o.domains.includes(m.universeDomain))).toBe(false);
    }
    const persons = [...b.persons.values()];
    expect(t.personsWithTwoEmails.length).toBeGreaterThan(50);
    expect(t.emailDomainDiffersFromCompany.length).toBeGreaterThan(0);
    for (const d of t.emailDomainDiffersFromCompany) {
      const p = persons.find((x) => x.emails[0] === d.email);
      const org = b.orgs.get(p?.organizationIds[0] ?? -1);
      expect(org?.domain).toBe(d.organizationDomain);
      expect(d.email.endsWith(`@${d.organizationDomain}`)).toBe(false);
    }
    const dealFlow = b.listNamed(facts.lists.dealFlow);
    const dupOrg = orgs.find((o) => o.domain === t.duplicateOnDealFlow);
    const dfEntries = [...b.entries.values()].filter(
      (e) => e.listId === dealFlow && e.entityId === dupOrg?.id,
    );
    expect(dfEntries).toHaveLength(2);
    const founders = b.listNamed(facts.lists.founders);
    const dupPerson = persons.find((p) => p.emails.includes(t.duplicateOnFounders));
    const fEntries = [...b.entries.values()].filter(
      (e) => e.listId === founders && e.entityId === dupPerson?.id,
    );
    expect(fEntries).toHaveLength(2);
    for (const name of t.organizationsWithoutDomain)
      expect(orgs.find((o) => o.name === name)?.domain).toBeNull();
    expect(t.organizationsWithoutDomain.length).toBeGreaterThan(0);
    expect(t.personsWithoutEmail.length).toBeGreaterThan(0);
    expect(persons.filter((p) => p.emails.length === 0)).toHaveLength(t.personsWithoutEmail.length);
  });

  it('links opportunities to organizations and gives relationship strengths to interacted pairs', () => {
    for (const o of b.opportunities.values()) expect(o.organizationIds).toHaveLength(1);
    const pairs = new Set(
      b.interactions.map((i) => {
        const internal = i.personIds.find((p) => b.persons.get(p)?.type === 1);
        const external = i.personIds.find((p) => b.persons.get(p)?.type === 0);
        return `${internal}:${external}`;
      }),
    );
    expect(new Set(b.strengths.keys())).toEqual(pairs);
  });
});
