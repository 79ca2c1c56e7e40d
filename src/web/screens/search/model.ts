import type { CompanyItem, InvestorItem, PersonItem } from '../../../app/search.js';

export type { CompanyItem, InvestorItem, PersonItem };

/** What the dataset holds, as `GET /api/search` names it. */
export type SearchEntity = 'companies' | 'people' | 'investors';
/** The same kinds as a push and a destination name them. */
export type EntityKind = 'company' | 'person' | 'investor';

export const entityKindOf: Record<SearchEntity, EntityKind> = {
  companies: 'company',
  people: 'person',
  investors: 'investor',
};

export const entityLabels: Record<SearchEntity, string> = {
  companies: 'Companies',
  people: 'People',
  investors: 'Investors',
};

export type ResultRow = CompanyItem | PersonItem | InvestorItem;

/** One page of `GET /api/search` (and of a list's members). */
export interface SearchPage {
  entity: SearchEntity;
  sort: string;
  total: number;
  limit: number;
  offset: number;
  results: ResultRow[];
}

export interface SavedSearch {
  id: number;
  name: string;
  entity: SearchEntity;
  spec: {
    query?: string;
    filters?: Array<{ key: string; op: '=' | '>=' | '<='; value: string }>;
    sort?: string;
  };
  lastCheckedAt: string | null;
  autoPush: boolean;
  createdAt: string;
}

export interface UserList {
  id: number;
  name: string;
  entity: SearchEntity;
  size: number;
  autoPush: boolean;
  createdAt: string;
}

/** The sort orders the API takes per entity; the first is its default. */
export const sortOrders: Record<SearchEntity, Array<{ value: string; label: string }>> = {
  companies: [
    { value: 'growth', label: 'Growth rank' },
    { value: 'funding', label: 'Total funding' },
    { value: 'headcount', label: 'Headcount' },
    { value: 'name', label: 'Name' },
  ],
  people: [
    { value: 'name', label: 'Name' },
    { value: 'growth', label: "Company's growth rank" },
    { value: 'funding', label: "Company's funding" },
    { value: 'headcount', label: "Company's headcount" },
  ],
  investors: [
    { value: 'name', label: 'Name' },
    { value: 'investments', label: 'Investments' },
  ],
};

/**
 * A filter as a form control offers it. `any`: one value or several (comma = any of), `text`: one
 * value, `range`: a minimum and/or a maximum (`key>=n`, `key<=n`).
 */
export interface FilterField {
  key: string;
  label: string;
  kind: 'any' | 'text' | 'range';
  /** Suggestions for `any` (free text is still taken). */
  suggestions?: string[];
  placeholder?: string;
  description?: string;
  /** How a range's values are typed. */
  unit?: 'number' | 'money' | 'percent' | 'date' | 'year';
}

export const filterFields: Record<SearchEntity, FilterField[]> = {
  companies: [
    {
      key: 'industry',
      label: 'Industry',
      kind: 'any',
      suggestions: [
        'AI/ML',
        'Biotech',
        'Climate',
        'Consumer',
        'Cybersecurity',
        'Devtools',
        'E-commerce',
        'Edtech',
        'Enterprise SaaS',
        'Fintech',
        'Healthtech',
        'Logistics',
        'Proptech',
        'Robotics',
      ],
      placeholder: 'Any industry',
    },
    {
      key: 'stage',
      label: 'Stage',
      kind: 'any',
      suggestions: ['Pre-Seed', 'Seed', 'Series A', 'Series B', 'Series C', 'Series D', 'Public'],
      placeholder: 'Any stage',
    },
    { key: 'location', label: 'Location', kind: 'text', placeholder: 'City, region or country' },
    { key: 'headcount', label: 'Headcount', kind: 'range', unit: 'number' },
    {
      key: 'growth',
      label: '12-month headcount growth',
      kind: 'range',
      unit: 'percent',
      description: 'In percent, e.g. 20',
    },
    {
      key: 'growth_rank',
      label: 'Growth rank',
      kind: 'range',
      unit: 'number',
      description: 'Percentile, 0–100',
    },
    {
      key: 'funding',
      label: 'Total funding (USD)',
      kind: 'range',
      unit: 'money',
      description: 'e.g. 5M, 1.2B',
    },
    { key: 'last_funding_date', label: 'Last funding date', kind: 'range', unit: 'date' },
    { key: 'last_funding_type', label: 'Last round', kind: 'any', placeholder: 'e.g. Series A' },
    { key: 'founded', label: 'Founded', kind: 'range', unit: 'year' },
    { key: 'investor', label: 'Investor', kind: 'any', placeholder: 'Investor name' },
    { key: 'tag', label: 'Tag', kind: 'any', placeholder: 'Any tag' },
  ],
  people: [
    { key: 'company', label: 'Current company', kind: 'any', placeholder: 'Name or domain' },
    { key: 'title', label: 'Title', kind: 'any', placeholder: 'Words in the title' },
    { key: 'location', label: 'Location', kind: 'text', placeholder: 'City, region or country' },
    { key: 'past_company', label: 'Past company', kind: 'any', placeholder: 'Name or domain' },
    { key: 'email', label: 'Email', kind: 'any', placeholder: 'name@example.com' },
  ],
  investors: [
    {
      key: 'type',
      label: 'Type',
      kind: 'any',
      suggestions: ['VC', 'Angel', 'CVC', 'PE', 'Accelerator'],
      placeholder: 'Any type',
    },
    { key: 'location', label: 'Location', kind: 'text', placeholder: 'City, region or country' },
    { key: 'investments', label: 'Investments', kind: 'range', unit: 'number' },
    { key: 'portfolio', label: 'Portfolio company', kind: 'any', placeholder: 'Name or domain' },
  ],
};

/** One filter expression, as the API takes and saved searches keep it. */
export interface FilterExpr {
  key: string;
  op: '=' | '>=' | '<=';
  value: string;
}

export function parseExpr(expr: string): FilterExpr | null {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|=)\s*(.*?)\s*$/.exec(expr);
  if (!m?.[1] || !m[2] || m[3] === undefined || m[3] === '') return null;
  return { key: m[1].toLowerCase(), op: m[2] as FilterExpr['op'], value: m[3] };
}

export const exprText = (f: FilterExpr): string => `${f.key}${f.op}${f.value}`;

/** The form's values: per field key its values (`any`, `text`) or bounds (`range`), and the others. */
export interface FilterForm {
  values: Record<string, string[]>;
  min: Record<string, string>;
  max: Record<string, string>;
  /** Expressions no control shows (kept as they are, editable as text). */
  other: string[];
}

export const emptyForm = (): FilterForm => ({ values: {}, min: {}, max: {}, other: [] });

/** A percent as the form shows it (20) from the ratio the API may hold (0.2 or 20%). */
function percentOf(value: string): string {
  const pct = /^(-?[0-9.]+)\s*%$/.exec(value);
  if (pct?.[1] !== undefined) return pct[1];
  const n = Number(value);
  return Number.isFinite(n) ? String(Math.round(n * 10000) / 100) : value;
}

/** The form showing these expressions. */
export function formOf(entity: SearchEntity, exprs: string[]): FilterForm {
  const form = emptyForm();
  const fields = new Map(filterFields[entity].map((f) => [f.key, f]));
  for (const text of exprs) {
    const f = parseExpr(text);
    const field = f ? fields.get(f.key) : undefined;
    if (!f || !field) {
      form.other.push(text);
      continue;
    }
    if (field.kind === 'range' && f.op !== '=') {
      const v = field.unit === 'percent' ? percentOf(f.value) : f.value;
      if (f.op === '>=') form.min[f.key] = v;
      else form.max[f.key] = v;
    } else if (field.kind !== 'range' && f.op === '=') {
      const values = f.value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      form.values[f.key] = [...(form.values[f.key] ?? []), ...values];
    } else form.other.push(text);
  }
  return form;
}

/** The expressions a form states, in the order of its controls, then the others. */
export function exprsOf(entity: SearchEntity, form: FilterForm): string[] {
  const out: string[] = [];
  for (const field of filterFields[entity]) {
    if (field.kind === 'range') {
      const fmt = (v: string) => (field.unit === 'percent' ? `${v}%` : v);
      const min = form.min[field.key]?.trim();
      const max = form.max[field.key]?.trim();
      if (min) out.push(`${field.key}>=${fmt(min)}`);
      if (max) out.push(`${field.key}<=${fmt(max)}`);
    } else {
      const values = (form.values[field.key] ?? []).map((v) => v.trim()).filter((v) => v !== '');
      if (values.length > 0) out.push(`${field.key}=${values.join(',')}`);
    }
  }
  for (const o of form.other) if (o.trim()) out.push(o.trim());
  return out;
}

/** The words of a filter for a person: `Industry: Fintech, Climate`, `Headcount ≥ 50`. */
export function describeExpr(entity: SearchEntity, expr: string): string {
  const f = parseExpr(expr);
  if (!f) return expr;
  const field = filterFields[entity].find((x) => x.key === f.key);
  const label = field?.label ?? f.key;
  const value = field?.unit === 'percent' ? `${percentOf(f.value)}%` : f.value;
  if (f.op === '>=') return `${label} ≥ ${value}`;
  if (f.op === '<=') return `${label} ≤ ${value}`;
  return `${label}: ${value.split(',').join(', ')}`;
}

/** The key a list member is added by: a domain, or a person's email or LinkedIn URL. */
export function memberKeyOf(row: ResultRow): string | null {
  if ('domain' in row) return row.domain;
  if ('emails' in row) return row.emails[0] ?? row.linkedinUrl;
  return null;
}

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const grouped = new Intl.NumberFormat('en-US');

export const money = (n: number | null): string => (n === null ? '—' : usd.format(n));
export const count = (n: number | null): string => (n === null ? '—' : grouped.format(n));

/** A growth ratio in words with its sign: `+24%`, `−3%`. */
export function growthText(ratio: number | null): string {
  if (ratio === null) return '—';
  const pct = Math.round(ratio * 100);
  return pct > 0 ? `+${pct}%` : pct < 0 ? `−${Math.abs(pct)}%` : '0%';
}

export const placeOf = (...parts: Array<string | null>): string =>
  parts.filter((p): p is string => !!p).join(', ') || '—';
