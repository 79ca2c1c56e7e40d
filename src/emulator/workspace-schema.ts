/**
 * The shape of an exported workspace (`GET /_emulator/export`, the state file, `--seed FILE`),
 * checked in full before anything replaces the state: a workspace that would load half-way, or
 * load rows the routes cannot render, is refused with every problem named and the state untouched.
 *
 * Rows are checked one at a time (not as one parse of the whole document) so that checking a
 * state file of a million rows does not hold a second copy of it.
 */
import { z } from 'zod';
import { ACTIVITY_TABLES } from './activity-common.js';
import type { WorkspaceJson } from './core.js';
import { TABLES } from './model.js';
import { WEBHOOKS_TABLE } from './webhook-delivery.js';

const id = z.number().int().nonnegative();
const ids = z.array(id);
const text = z.string();
const nullableId = id.nullable();
const timestamp = z.string();
const entityType = z.literal([0, 1, 8]);
const valueType = z.literal([0, 1, 2, 3, 4, 5, 6, 7]);
const location = z.object({
  street_address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  country: z.string().nullable(),
  continent: z.string().nullable(),
});

/** The envelope: format marker, version, the id sequence and the tables as arrays of rows. */
export const workspaceEnvelopeSchema = z.object({
  format: z.literal('affinity-emulator-workspace'),
  version: z.literal(1),
  sequence: z.number().int().nonnegative().optional(),
  tables: z.record(z.string(), z.array(z.unknown())),
});

/** A row of a table no built-in module owns (a custom module's): an object with an integer id. */
const anyRow = z.looseObject({ id });

/** The rows of each built-in table, with the keys the routes read (extra keys are kept). */
export const rowSchemas: Readonly<Record<string, z.ZodType>> = {
  [TABLES.tenants]: z.looseObject({ id, name: text, subdomain: text }),
  [TABLES.apiKeys]: z.looseObject({ id, key: z.string().min(1), person_id: id, created_at: timestamp }),
  [TABLES.persons]: z.looseObject({
    id,
    type: z.literal([0, 1]),
    first_name: text,
    last_name: text,
    emails: z.array(text),
    organization_ids: ids,
    current_organization_ids: ids,
    created_at: timestamp,
  }),
  [TABLES.organizations]: z.looseObject({
    id,
    name: text,
    domain: text.nullable(),
    domains: z.array(text),
    global: z.boolean(),
    crunchbase_uuid: text.nullable(),
    person_ids: ids,
    created_at: timestamp,
  }),
  [TABLES.opportunities]: z.looseObject({
    id,
    name: text,
    person_ids: ids,
    organization_ids: ids,
    list_id: id,
    created_at: timestamp,
  }),
  [TABLES.lists]: z.looseObject({
    id,
    type: entityType,
    name: text,
    public: z.boolean(),
    owner_id: id,
    creator_id: id,
    additional_permissions: z.array(z.looseObject({ internal_person_id: id, role_id: z.literal([0, 1, 2]) })),
    created_at: timestamp,
  }),
  [TABLES.listEntries]: z.looseObject({
    id,
    list_id: id,
    creator_id: id,
    entity_id: id,
    entity_type: entityType,
    created_at: timestamp,
  }),
  [TABLES.fields]: z.looseObject({
    id,
    name: text,
    list_id: nullableId,
    entity_type: entityType,
    value_type: valueType,
    allows_multiple: z.boolean(),
    track_changes: z.boolean(),
    is_required: z.boolean(),
    enrichment_source: text,
    dropdown_options: z.array(z.looseObject({ id, text, rank: z.number().int(), color: z.number().int() })),
    created_at: timestamp,
  }),
  [TABLES.fieldValues]: z.looseObject({
    id,
    field_id: id,
    entity_id: id,
    entity_type: entityType,
    value_type: valueType,
    list_entry_id: nullableId,
    value: z.union([z.number(), z.string(), location]),
    created_at: timestamp,
    updated_at: timestamp.nullable(),
  }),
  [TABLES.fieldValueChanges]: z.looseObject({
    id,
    field_id: id,
    entity_id: id,
    entity_type: entityType,
    list_entry_id: nullableId,
    action_type: z.literal([0, 1, 2]),
    changer_id: id,
    changed_at: timestamp,
    value: z.unknown(),
  }),
  [ACTIVITY_TABLES.interactions]: z.looseObject({
    id,
    type: z.literal([0, 1, 2, 3]),
    date: timestamp,
    date_ms: z.number(),
    person_ids: ids,
    logging_type: z.literal([0, 1]),
    direction: z.literal([0, 1]).nullable(),
    manual_creator_id: nullableId,
    ical_uid: text.nullable().optional(),
    title: text.nullable(),
    start_time: timestamp.nullable(),
    end_time: timestamp.nullable(),
    updated_at: timestamp.nullable(),
    subject: text.nullable(),
    from_id: nullableId,
    to_ids: ids,
    cc_ids: ids,
    note_ids: ids,
  }),
  [ACTIVITY_TABLES.notes]: z.looseObject({
    id,
    creator_id: id,
    associated_person_ids: ids,
    organization_ids: ids,
    opportunity_ids: ids,
    mentioned_person_ids: ids,
    interaction_id: nullableId,
    interaction_type: z.literal([0, 1, 2, 3]).nullable(),
    parent_id: nullableId,
    content: text,
    type: z.literal([0, 1, 2, 3]),
    created_at: timestamp,
    created_ms: z.number(),
    updated_at: timestamp.nullable(),
  }),
  [ACTIVITY_TABLES.entityFiles]: z.looseObject({
    id,
    name: text,
    size: z.number().int().nonnegative(),
    content_type: text,
    person_id: nullableId,
    organization_id: nullableId,
    opportunity_id: nullableId,
    uploader_id: id,
    created_at: timestamp,
    data_base64: z.base64(),
  }),
  [ACTIVITY_TABLES.reminders]: z.looseObject({
    id,
    type: z.literal([0, 1]),
    reset_type: z.literal([0, 1, 2]).nullable(),
    reminder_days: z.number().int().positive().nullable(),
    content: text,
    due_date: timestamp,
    due_ms: z.number(),
    created_at: timestamp,
    created_ms: z.number(),
    completed_at: timestamp.nullable(),
    creator_id: id,
    owner_id: id,
    completer_id: nullableId,
    person_id: nullableId,
    organization_id: nullableId,
    opportunity_id: nullableId,
  }),
  [ACTIVITY_TABLES.relationshipStrengths]: z.looseObject({
    id,
    internal_id: id,
    external_id: id,
    strength: z.number().min(0).max(1),
  }),
  [WEBHOOKS_TABLE]: z.looseObject({
    id,
    webhook_url: text,
    subscriptions: z.array(text),
    disabled: z.boolean(),
    created_by: id,
    created_at: timestamp,
    updated_at: timestamp.nullable(),
    consecutive_failures: z.number().int().nonnegative(),
  }),
};

/** The outcome of {@link checkWorkspace}: the workspace, or what is wrong with it (path: problem). */
export type WorkspaceCheck = { ok: true; workspace: WorkspaceJson } | { ok: false; problems: string[] };

/** How many problems are listed at most (a broken table would otherwise list every row). */
const MAX_PROBLEMS = 20;

function pathOf(base: Array<string | number>, issuePath: readonly PropertyKey[]): string {
  return [...base, ...issuePath].reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/**
 * Checks a whole workspace document: the envelope, every row of every table against its table's
 * shape, and that no id appears twice (ids come from one sequence). Returns the document itself,
 * unchanged, when it is valid.
 */
export function checkWorkspace(value: unknown): WorkspaceCheck {
  const problems: string[] = [];
  const add = (path: string, message: string): boolean => {
    problems.push(path === '' ? message : `${path}: ${message}`);
    return problems.length >= MAX_PROBLEMS;
  };
  const envelope = workspaceEnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    for (const issue of envelope.error.issues) if (add(pathOf([], issue.path), issue.message)) break;
    return { ok: false, problems };
  }
  const seen = new Map<number, string>();
  scan: for (const [name, rows] of Object.entries(envelope.data.tables)) {
    const schema = rowSchemas[name] ?? anyRow;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const parsed = schema.safeParse(row);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          if (add(pathOf(['tables', name, i], issue.path), issue.message)) break scan;
        }
        continue;
      }
      const rowId = (row as { id: number }).id;
      const where = `tables.${name}[${i}]`;
      const first = seen.get(rowId);
      if (first !== undefined) {
        if (add(`${where}.id`, `id ${rowId} is already the id of ${first}`)) break scan;
      } else seen.set(rowId, where);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, workspace: value as WorkspaceJson };
}

/** A workspace that {@link checkWorkspace} refused; `problems` names each thing wrong. */
export class InvalidWorkspaceError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid workspace: ${problems.join('; ')}`);
    this.name = 'InvalidWorkspaceError';
  }
}
