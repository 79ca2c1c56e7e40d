/**
 * What the push setup wizard knows about destinations: the API's answers (types from the use
 * cases), the words the screens use for record types, matching rules, push modes and write
 * policies, and the draft a form edits, turned into exactly the body the API takes. The API
 * decides what is valid; these tables only say what to offer and how to name it.
 */
import type {
  DestinationChangeResult,
  DestinationCheck,
  DestinationsResult,
  DestinationView,
} from '../../../app/destinations.js';
import type { WorkspaceFieldsResult, WorkspaceListsResult } from '../../../app/workspace.js';

export type { DestinationChangeResult, DestinationCheck, DestinationsResult, DestinationView };
export type WorkspaceField = WorkspaceFieldsResult['fields'][number];
export type WorkspaceList = WorkspaceListsResult['lists'][number];
export type SourceField = DestinationsResult['sources'][string][number];

export type EntityKind = DestinationView['entityKind'];
/** Affinity's record types a destination may go to (the API's `recordType`). */
export type RecordType = 'organization' | 'person' | 'opportunity';
export type PushMode = 'create-update' | 'update-only';
export type WritePolicy = NonNullable<DestinationView['mappings'][number]['policy']>;

export const destinationsKey = ['destinations'] as const;

/** An alert's title in the text colour: light yellow, orange and gray titles do not read at AA. */
export const titleInText = { title: { color: 'var(--mantine-color-text)' } };

/** Our entity kinds in the order the wizard shows them, with their names on screen. */
export const entities: readonly { kind: EntityKind; label: string; singular: string }[] = [
  { kind: 'company', label: 'Companies', singular: 'company' },
  { kind: 'person', label: 'People', singular: 'person' },
  { kind: 'investor', label: 'Investors', singular: 'investor' },
];

export function entityLabel(kind: EntityKind): string {
  return entities.find((e) => e.kind === kind)?.label ?? kind;
}

/** Affinity's record types as its screens name them. */
export const recordTypeLabels: Record<RecordType, string> = {
  organization: 'Companies',
  person: 'People',
  opportunity: 'Deals',
};

/**
 * The record types each entity kind may go to, each marked when the setup guide recommends it
 * (companies → Companies, people → People, investors → Companies or Deals).
 */
export const recordTypeChoices: Record<EntityKind, readonly { value: RecordType; recommended: boolean }[]> = {
  company: [{ value: 'organization', recommended: true }],
  person: [{ value: 'person', recommended: true }],
  investor: [
    { value: 'organization', recommended: true },
    { value: 'opportunity', recommended: true },
  ],
};

/** The guide's sentence for each entity kind's record type. */
export const recordTypeAdvice: Record<EntityKind, string> = {
  company: 'For company data, select Companies (Recommend).',
  person: 'For people data, select People (Recommend).',
  investor: 'For investor data, select Companies or Deals (Recommend).',
};

/** The search terms a record type is matched by, the default first. */
export const matchChoices: Record<RecordType, readonly string[]> = {
  organization: ['domain', 'name'],
  person: ['email', 'name'],
  opportunity: ['name'],
};

export function matchLabel(rule: string): string {
  return `Search Term: ${rule}`;
}

/** The two push modes, in the guide's words. */
export const pushModes: readonly { value: PushMode; label: string; explanation: string }[] = [
  {
    value: 'create-update',
    label: 'Create + Update',
    explanation:
      'affinity-sync updates matched records and creates new Affinity records for any unmatched entries. Choose this if you want to capture every new prospect affinity-sync finds.',
  },
  {
    value: 'update-only',
    label: 'Update Only',
    explanation:
      "affinity-sync updates matched records and skips unmatched entries. Choose this if you only want to enrich what's already in Affinity, keeping your CRM free of unvetted prospects.",
  },
];

export function modeLabel(mode: string): string {
  return pushModes.find((m) => m.value === mode)?.label ?? mode;
}

/** How a push treats the value Affinity already holds, for fields of one value and of several. */
export const policies: Record<WritePolicy, { label: string; explanation: string; multiple: boolean }> = {
  'keep-human-edits': {
    label: 'Keep human edits',
    explanation: 'a value a person changed in Affinity is left alone until ours changes',
    multiple: false,
  },
  overwrite: {
    label: 'Overwrite',
    explanation: 'our value wins, even over a person’s edit',
    multiple: false,
  },
  'fill-blanks': {
    label: 'Fill blanks',
    explanation: 'write only where Affinity has no value',
    multiple: false,
  },
  mirror: {
    label: 'Mirror',
    explanation: 'add ours and remove the values we wrote that we no longer hold, never values others wrote',
    multiple: true,
  },
  'add-only': {
    label: 'Add only',
    explanation: 'add our values that are missing, never remove any',
    multiple: true,
  },
};

export function policyLabel(policy: string): string {
  return policies[policy as WritePolicy]?.label ?? policy;
}

/** The default policy of a field of one value (`keep-human-edits`) or several (`mirror`). */
export function defaultPolicyOf(multiple: boolean): WritePolicy {
  return multiple ? 'mirror' : 'keep-human-edits';
}

/** The policies that fit a field of one value or of several, the default first. */
export function policiesFor(multiple: boolean): WritePolicy[] {
  const fit = (Object.keys(policies) as WritePolicy[]).filter((p) => policies[p].multiple === multiple);
  const first = defaultPolicyOf(multiple);
  return [first, ...fit.filter((p) => p !== first)];
}

const words: Record<string, string> = {
  url: 'URL',
  linkedin: 'LinkedIn',
  hq: 'HQ',
  usd: '(USD)',
  '12m': '12 months',
};

/** A data point's name for people: `last_funding_date` → "Last funding date". */
export function dataPointLabel(name: string): string {
  const text = name
    .split('_')
    .map((w) => words[w] ?? w)
    .join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The name a field created for a data point gets by default: "Last Funding Date". */
export function newFieldName(name: string): string {
  return name
    .split('_')
    .map((w) => words[w] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** What a field is, in a few words: "A dropdown field with several values, on the list Deal Flow · Seed, Series A…". */
export function fieldSummary(f: WorkspaceField): string {
  const article = /^[aeiou]/i.test(f.valueType) ? 'An' : 'A';
  let text = `${article} ${f.valueType} field${f.multiple ? ' with several values' : ''}`;
  if (f.list) text += `, on the list ${f.list.name ?? `#${f.list.id}`}`;
  if (f.options.length > 0) {
    const shown = f.options.slice(0, 4).map((o) => o.text);
    text += ` · ${shown.join(', ')}${f.options.length > shown.length ? '…' : ''}`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The draft a form edits

/** `''`: not pushed; `'new'`: create a field; else the Affinity field's id. */
export interface MappingDraft {
  field: string;
  newName: string;
  /** `''`: the default policy for the field's multiplicity. */
  policy: string;
}

export interface Draft {
  recordType: RecordType;
  match: string;
  mode: PushMode;
  /** `''` for none, else the list's id. */
  list: string;
  mappings: Record<string, MappingDraft>;
}

export const emptyMapping: MappingDraft = { field: '', newName: '', policy: '' };

/** A new destination's draft: the first recommended record type, its default rule, no mapping. */
export function newDraft(kind: EntityKind): Draft {
  const recordType = recordTypeChoices[kind][0]?.value ?? 'organization';
  return {
    recordType,
    match: matchChoices[recordType][0] ?? 'name',
    mode: 'create-update',
    list: '',
    mappings: {},
  };
}

/** The draft of a saved destination: every setting and mapping as saved. */
export function draftOf(d: DestinationView): Draft {
  const mappings: Record<string, MappingDraft> = {};
  for (const m of d.mappings) {
    mappings[m.source] = { field: String(m.fieldId), newName: '', policy: m.policy ?? '' };
  }
  return {
    recordType: d.recordType as RecordType,
    match: d.matchRule,
    mode: d.mode as PushMode,
    list: d.listId === null ? '' : String(d.listId),
    mappings,
  };
}

export interface DestinationBody {
  recordType: RecordType;
  match: string;
  mode: PushMode;
  list: number | null;
  mappings: { source: string; field: number | string; policy?: string }[];
  createMissingFields?: boolean;
}

/**
 * The body PUT (and the check, as PUT would save it) takes for a draft, with the data point of
 * each mapping in the order sent, so the API's `mappings.N` can be shown on its row.
 */
export function bodyOf(
  draft: Draft,
  sources: readonly SourceField[],
): { body: DestinationBody; order: string[] } {
  const order: string[] = [];
  const mappings: DestinationBody['mappings'] = [];
  let creating = false;
  for (const s of sources) {
    const m = draft.mappings[s.name];
    if (!m || m.field === '') continue;
    const field = m.field === 'new' ? m.newName.trim() : Number(m.field);
    if (field === '') continue;
    if (m.field === 'new') creating = true;
    order.push(s.name);
    mappings.push({ source: s.name, field, ...(m.policy ? { policy: m.policy } : {}) });
  }
  return {
    body: {
      recordType: draft.recordType,
      match: draft.match,
      mode: draft.mode,
      list: draft.list === '' ? null : Number(draft.list),
      mappings,
      ...(creating ? { createMissingFields: true } : {}),
    },
    order,
  };
}

export interface Issue {
  field: string;
  message: string;
}

/** The API's issues sorted into each data point's row and the form's other parts. */
export function sortIssues(
  issues: readonly Issue[],
  order: readonly string[],
): {
  rows: Record<string, string[]>;
  list: string[];
  match: string[];
  mode: string[];
  recordType: string[];
  other: string[];
} {
  const out = {
    rows: {} as Record<string, string[]>,
    list: [] as string[],
    match: [] as string[],
    mode: [] as string[],
    recordType: [] as string[],
    other: [] as string[],
  };
  for (const i of issues) {
    const at = /^(?:mappings|map)\.(\d+)/.exec(i.field);
    const source = at ? order[Number(at[1])] : undefined;
    if (source) out.rows[source] = [...(out.rows[source] ?? []), i.message];
    else if (i.field === 'list') out.list.push(i.message);
    else if (i.field === 'match') out.match.push(i.message);
    else if (i.field === 'mode') out.mode.push(i.message);
    else if (i.field === 'recordType') out.recordType.push(i.message);
    else out.other.push(i.message);
  }
  return out;
}
