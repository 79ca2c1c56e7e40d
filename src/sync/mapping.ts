/**
 * Field mapping: which of our data points go to which Affinity field, checked against the field's
 * value type and multiplicity when a destination is saved, and turned into values Affinity accepts
 * when pushing. A mapping that cannot work is refused with a message naming the field and both types;
 * a value that does not fit (a status with no dropdown option of that text) is skipped, never sent.
 */
import type { Field, FieldValueInput, FieldValueValue, ValueType } from '../affinity/index.js';
import type { intelCompanies, intelInvestors, intelPeople } from '../store/index.js';

export type EntityKind = 'company' | 'person' | 'investor';
export const entityKinds: readonly EntityKind[] = ['company', 'person', 'investor'];

export type CompanyRow = typeof intelCompanies.$inferSelect;
export type PersonRow = typeof intelPeople.$inferSelect;
export type InvestorRow = typeof intelInvestors.$inferSelect;
export type EntityRow<K extends EntityKind = EntityKind> = K extends 'company'
  ? CompanyRow
  : K extends 'person'
    ? PersonRow
    : InvestorRow;

/** The kinds of data we hold, as far as Affinity's value types care. */
export type SourceType =
  | 'text'
  | 'url'
  | 'number'
  | 'money'
  | 'date'
  | 'location'
  | 'tags'
  | 'category'
  | 'status'
  | 'organization'
  | 'person';

export interface SourceField {
  type: SourceType;
  /** Several values at once (tags, industries). */
  multiple: boolean;
  description: string;
}

export interface LocationParts {
  city: string | null;
  state: string | null;
  country: string | null;
}

/** A source value before conversion: text, number, location parts, a list, or a company domain. */
export type RawValue = string | number | LocationParts | string[] | null;

type Getter<R> = (row: R) => RawValue;
interface SourceDef<R> extends SourceField {
  get: Getter<R>;
}

const loc = (city: string | null, state: string | null, country: string | null): LocationParts | null =>
  city || state || country ? { city, state, country } : null;

const companySources: Record<string, SourceDef<CompanyRow>> = {
  name: { type: 'text', multiple: false, description: 'company name', get: (r) => r.name },
  domain: { type: 'url', multiple: false, description: 'registrable domain', get: (r) => r.domain },
  website: { type: 'url', multiple: false, description: 'website URL', get: (r) => r.website },
  description: { type: 'text', multiple: false, description: 'description', get: (r) => r.description },
  linkedin_url: { type: 'url', multiple: false, description: 'LinkedIn page', get: (r) => r.linkedinUrl },
  hq_location: {
    type: 'location',
    multiple: false,
    description: 'HQ city, region, country',
    get: (r) => loc(r.hqCity, r.hqRegion, r.hqCountry),
  },
  hq_city: { type: 'text', multiple: false, description: 'HQ city', get: (r) => r.hqCity },
  hq_country: { type: 'category', multiple: false, description: 'HQ country', get: (r) => r.hqCountry },
  founded_year: { type: 'number', multiple: false, description: 'year founded', get: (r) => r.foundedYear },
  headcount: { type: 'number', multiple: false, description: 'employees', get: (r) => r.headcount },
  industries: { type: 'tags', multiple: true, description: 'industries', get: (r) => r.industries },
  tags: { type: 'tags', multiple: true, description: 'tags', get: (r) => r.tags },
  investors: { type: 'tags', multiple: true, description: 'investor names', get: (r) => r.investors },
  stage: { type: 'status', multiple: false, description: 'funding stage', get: (r) => r.stage },
  total_funding_usd: {
    type: 'money',
    multiple: false,
    description: 'total funding (USD)',
    get: (r) => r.totalFundingUsd,
  },
  last_funding_date: {
    type: 'date',
    multiple: false,
    description: 'last funding date',
    get: (r) => r.lastFundingDate,
  },
  last_funding_amount_usd: {
    type: 'money',
    multiple: false,
    description: 'last round (USD)',
    get: (r) => r.lastFundingAmountUsd,
  },
  last_funding_type: {
    type: 'category',
    multiple: false,
    description: 'last round type',
    get: (r) => r.lastFundingType,
  },
  growth_rank: {
    type: 'number',
    multiple: false,
    description: 'growth percentile 0-100',
    get: (r) => (r.growthRank === null ? null : Math.round(r.growthRank * 100) / 100),
  },
  growth_12m: {
    type: 'number',
    multiple: false,
    description: '12-month growth ratio',
    get: (r) => (r.growth12m === null ? null : Math.round(r.growth12m * 10_000) / 10_000),
  },
};

const personSources: Record<string, SourceDef<PersonRow>> = {
  name: { type: 'text', multiple: false, description: 'full name', get: (r) => r.name },
  email: { type: 'text', multiple: false, description: 'first email', get: (r) => r.emails[0] ?? null },
  linkedin_url: { type: 'url', multiple: false, description: 'LinkedIn profile', get: (r) => r.linkedinUrl },
  title: { type: 'text', multiple: false, description: 'job title', get: (r) => r.title },
  company: {
    type: 'organization',
    multiple: false,
    description: 'current company (its organization in Affinity)',
    get: (r) => r.companyDomain,
  },
  company_name: {
    type: 'text',
    multiple: false,
    description: 'current company name',
    get: (r) => r.companyName,
  },
  location: {
    type: 'location',
    multiple: false,
    description: 'city, region, country',
    get: (r) => loc(r.city, r.region, r.country),
  },
  country: { type: 'category', multiple: false, description: 'country', get: (r) => r.country },
  past_companies: {
    type: 'tags',
    multiple: true,
    description: 'past companies',
    get: (r) => r.pastCompanies,
  },
};

const investorSources: Record<string, SourceDef<InvestorRow>> = {
  name: { type: 'text', multiple: false, description: 'investor name', get: (r) => r.name },
  domain: { type: 'url', multiple: false, description: 'registrable domain', get: (r) => r.domain },
  type: { type: 'category', multiple: false, description: 'VC, Angel, CVC…', get: (r) => r.type },
  hq_location: {
    type: 'location',
    multiple: false,
    description: 'HQ city, region, country',
    get: (r) => loc(r.hqCity, r.hqRegion, r.hqCountry),
  },
  hq_country: { type: 'category', multiple: false, description: 'HQ country', get: (r) => r.hqCountry },
  investments_count: {
    type: 'number',
    multiple: false,
    description: 'number of investments',
    get: (r) => r.investmentsCount,
  },
  notable_portfolio: {
    type: 'tags',
    multiple: true,
    description: 'notable portfolio companies',
    get: (r) => r.notablePortfolio,
  },
};

const sources: { [K in EntityKind]: Record<string, SourceDef<EntityRow<K>>> } = {
  company: companySources,
  person: personSources,
  investor: investorSources,
};

/** The data points an entity kind can push, with their types: for help texts and errors. */
export function sourceFields(entity: EntityKind): Array<{ name: string } & SourceField> {
  return Object.entries(sources[entity]).map(([name, d]) => ({
    name,
    type: d.type,
    multiple: d.multiple,
    description: d.description,
  }));
}

/** One source's value from one of our records. */
export function sourceValue<K extends EntityKind>(entity: K, source: string, row: EntityRow<K>): RawValue {
  const def = (sources[entity] as Record<string, SourceDef<EntityRow<K>>>)[source];
  return def ? def.get(row) : null;
}

/** Affinity's names for its value types, as its UI shows them. */
export const valueTypeNames: Record<ValueType, string> = {
  0: 'person',
  1: 'organization',
  2: 'dropdown',
  3: 'number',
  4: 'date',
  5: 'location',
  6: 'text',
  7: 'ranked dropdown',
};

/** Which Affinity value types each source type can be written to, best first. */
const compatible: Record<SourceType, readonly ValueType[]> = {
  text: [6],
  url: [6],
  number: [3],
  money: [3],
  date: [4],
  location: [5],
  tags: [2],
  category: [2, 6],
  status: [7, 2],
  organization: [1],
  person: [0],
};

/** The value type a field created for a source gets (`--create-missing-fields`). */
export function valueTypeFor(type: SourceType): ValueType {
  return type === 'status' ? 2 : (compatible[type][0] as ValueType);
}

/**
 * How a push treats the value Affinity already holds for a mapped field.
 * Single values: `overwrite` (ours wins, even over a person's edit), `fill-blanks` (write only where
 * Affinity has no value), `keep-human-edits` (a value a person changed is left alone until ours
 * changes). Several values: `add-only` (add ours that are missing, never remove) and `mirror` (also
 * remove the values we wrote that we no longer hold, never values others wrote).
 */
export type WritePolicy = 'overwrite' | 'fill-blanks' | 'keep-human-edits' | 'add-only' | 'mirror';
export const singleValuePolicies = ['overwrite', 'fill-blanks', 'keep-human-edits'] as const;
export const multiValuePolicies = ['add-only', 'mirror'] as const;

/** The policy of a mapping that names none: `keep-human-edits` for one value, `mirror` for several. */
export function defaultPolicy(m: { allowsMultiple: boolean }): WritePolicy {
  return m.allowsMultiple ? 'mirror' : 'keep-human-edits';
}

/** The policy a mapping is pushed with: its own when it fits the field's multiplicity, else the default. */
export function policyOf(m: { allowsMultiple: boolean; policy?: WritePolicy | undefined }): WritePolicy {
  const fits: readonly WritePolicy[] = m.allowsMultiple ? multiValuePolicies : singleValuePolicies;
  return m.policy && fits.includes(m.policy) ? m.policy : defaultPolicy(m);
}

/** A mapping as saved: the source and the Affinity field it was checked against. */
export interface ResolvedMapping {
  source: string;
  sourceType: SourceType;
  fieldId: number;
  fieldName: string;
  valueType: ValueType;
  allowsMultiple: boolean;
  /** The list of a list-specific field; null for a global field. */
  listId: number | null;
  /** Ranked dropdown options, for mapping text to option ids. */
  options?: Array<{ id: number; text: string }>;
  /** How the push treats Affinity's value; absent = `defaultPolicy` for the field's multiplicity. */
  policy?: WritePolicy;
}

export type MappingCheck =
  | { code: 'ok'; mapping: ResolvedMapping }
  | { code: 'unknown-source'; message: string }
  | { code: 'type-mismatch'; message: string }
  | { code: 'multiplicity'; message: string };

/** "a text", "an organization": the indefinite article English puts before a word. */
export function withArticle(word: string): string {
  return `${/^(?!url\b|uni|use)[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** Checks that `source` of `entity` can be written to `field`. */
export function checkMapping(entity: EntityKind, source: string, field: Field): MappingCheck {
  const def = (sources[entity] as Record<string, SourceField>)[source];
  if (!def) {
    return {
      code: 'unknown-source',
      message: `${entity} has no data point ${JSON.stringify(source)} (known: ${Object.keys(sources[entity]).join(', ')})`,
    };
  }
  const fieldType = valueTypeNames[field.value_type];
  if (!compatible[def.type].includes(field.value_type)) {
    const fits = compatible[def.type].map((t) => valueTypeNames[t]).join(' or ');
    return {
      code: 'type-mismatch',
      message: `cannot map ${source} (${def.type}) to field "${field.name}" (${fieldType}): ${withArticle(def.type)} needs ${withArticle(fits)} field`,
    };
  }
  if (def.multiple && !field.allows_multiple) {
    return {
      code: 'multiplicity',
      message: `cannot map ${source} (${def.type}, several values) to field "${field.name}" (${fieldType}, one value): the field must allow multiple values`,
    };
  }
  const mapping: ResolvedMapping = {
    source,
    sourceType: def.type,
    fieldId: field.id,
    fieldName: field.name,
    valueType: field.value_type,
    allowsMultiple: field.allows_multiple,
    listId: field.list_id ?? null,
  };
  if (field.value_type === 7) {
    mapping.options = (field.dropdown_options ?? []).map((o) => ({ id: o.id, text: o.text }));
  }
  return { code: 'ok', mapping };
}

/** What a source value becomes: the values to write, and why some were left out. */
export interface Converted {
  values: FieldValueInput[];
  skipped: string[];
}

/**
 * Turns a source value into values the field accepts. `organizationFor` resolves a company domain to
 * its Affinity organization (null when it is not known in Affinity).
 */
export function convertValue(
  mapping: ResolvedMapping,
  raw: RawValue,
  organizationFor: (domain: string) => number | null = () => null,
): Converted {
  const out: Converted = { values: [], skipped: [] };
  const items: Array<string | number | LocationParts> =
    raw === null || raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const item of items) {
    const v = convertOne(mapping, item, organizationFor);
    if (isSkip(v)) out.skipped.push(v.skip);
    else if (v !== null) out.values.push(v);
  }
  // A single-valued field takes one value; duplicates in a multi-valued one would be written twice.
  const seen = new Set<string>();
  out.values = out.values.filter((v) => {
    const k = valueKey(mapping.valueType, v);
    if (k === null || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (!mapping.allowsMultiple) out.values = out.values.slice(0, 1);
  return out;
}

function isSkip(v: FieldValueInput | null | { skip: string }): v is { skip: string } {
  return typeof v === 'object' && v !== null && 'skip' in v && typeof v.skip === 'string';
}

function convertOne(
  m: ResolvedMapping,
  item: string | number | LocationParts,
  organizationFor: (domain: string) => number | null,
): FieldValueInput | null | { skip: string } {
  switch (m.valueType) {
    case 6:
    case 2: {
      const s = typeof item === 'object' ? null : String(item).trim();
      return s ? s : null;
    }
    case 3: {
      const n = typeof item === 'number' ? item : typeof item === 'string' ? Number(item) : Number.NaN;
      return Number.isFinite(n) ? n : { skip: `${m.source}: ${JSON.stringify(item)} is not a number` };
    }
    case 4: {
      const s = typeof item === 'string' ? /^(\d{4}-\d{2}-\d{2})/.exec(item)?.[1] : undefined;
      return s ?? { skip: `${m.source}: ${JSON.stringify(item)} is not a date` };
    }
    case 5:
      return typeof item === 'object'
        ? { street_address: null, city: item.city, state: item.state, country: item.country, continent: null }
        : { skip: `${m.source}: not a location` };
    case 7: {
      const text = String(item).trim().toLowerCase();
      const opt = (m.options ?? []).find((o) => o.text.trim().toLowerCase() === text);
      return opt ? opt.id : { skip: `${m.source}: "${String(item)}" is not an option of "${m.fieldName}"` };
    }
    case 1: {
      const id = typeof item === 'number' ? item : organizationFor(String(item));
      return id ?? { skip: `${m.source}: ${String(item)} is not known in Affinity yet` };
    }
    case 0:
      return typeof item === 'number' ? item : { skip: `${m.source}: not a person id` };
  }
}

/**
 * A value in one comparable form, whichever side it comes from: what we would write or what
 * Affinity answered (dates as their day, ranked dropdowns as the option id, locations by their parts).
 */
export function valueKey(valueType: ValueType, value: FieldValueInput | FieldValueValue): string | null {
  if (value === null || value === undefined) return null;
  switch (valueType) {
    case 0:
    case 1:
    case 3:
      return typeof value === 'number' || typeof value === 'string' ? String(Number(value)) : null;
    case 2:
    case 6:
      return typeof value === 'string' ? value.trim() : null;
    case 4:
      return typeof value === 'string' ? value.slice(0, 10) : null;
    case 5: {
      if (typeof value !== 'object') return null;
      const l = value as { city?: string | null; state?: string | null; country?: string | null };
      return JSON.stringify([l.city ?? null, l.state ?? null, l.country ?? null]);
    }
    case 7:
      if (typeof value === 'number') return String(value);
      if (typeof value === 'object' && 'id' in value && typeof value.id === 'number') return String(value.id);
      return null;
  }
}

/**
 * A value in words, from its comparable form (see {@link valueKey}): a ranked dropdown's option text,
 * a location's parts, an organization or person by id; text, numbers and dates as they are.
 */
export function keyText(m: Pick<ResolvedMapping, 'valueType' | 'options'>, key: string): string {
  switch (m.valueType) {
    case 7:
      return m.options?.find((o) => String(o.id) === key)?.text ?? `option ${key}`;
    case 5: {
      try {
        const parts = JSON.parse(key) as Array<string | null>;
        return parts.filter((p) => p).join(', ');
      } catch {
        return key;
      }
    }
    case 1:
      return `organization ${key}`;
    case 0:
      return `person ${key}`;
    default:
      return key;
  }
}
