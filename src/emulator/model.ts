/**
 * The emulator's shared data model: the rows every resource module reads and the names of the
 * tables that hold them. Rows use the API's snake_case names so that rendering a resource is a
 * cheap pick of fields, not a translation. Derived values (a person's `primary_email`, a list's
 * `list_size`, an opportunity's list entry) are computed when rendered, never stored twice.
 */
import type { EmulatorCore, Table } from './framework.js';
import type { EntityType, LocationValue, ValueType } from './seed-builder.js';

export type { EntityType, LocationValue, ValueType };

/** Table names. Tables of other modules (interactions, notes…) are named by those modules. */
export const TABLES = {
  tenants: 'tenants',
  apiKeys: 'api_keys',
  persons: 'persons',
  organizations: 'organizations',
  opportunities: 'opportunities',
  lists: 'lists',
  listEntries: 'list_entries',
  fields: 'fields',
  fieldValues: 'field_values',
  fieldValueChanges: 'field_value_changes',
} as const;

/** The one Affinity instance the emulator serves (`GET /auth/whoami` `tenant`). */
export interface TenantRow {
  id: number;
  name: string;
  subdomain: string;
}

/** An API key; it belongs to an internal person (type 1) of the tenant. */
export interface ApiKeyRow {
  id: number;
  key: string;
  person_id: number;
  created_at: string;
}

/** A person. `type` 1 marks an internal person (a user of the workspace); 0 an external contact. */
export interface PersonRow {
  id: number;
  type: 0 | 1;
  first_name: string;
  last_name: string;
  /** Lower-cased as given; the first one is the primary email. Unique across persons. */
  emails: string[];
  organization_ids: number[];
  /** Organizations the person currently works at (`with_current_organizations`). */
  current_organization_ids: number[];
  created_at: string;
}

export interface OrganizationRow {
  id: number;
  name: string;
  domain: string | null;
  domains: string[];
  /** Affinity's global dataset: name and domain immutable, cannot be deleted. */
  global: boolean;
  crunchbase_uuid: string | null;
  person_ids: number[];
  created_at: string;
}

export interface OpportunityRow {
  id: number;
  name: string;
  person_ids: number[];
  organization_ids: number[];
  /** The one list the opportunity lives on (given at creation). */
  list_id: number;
  created_at: string;
}

export interface ListPermission {
  internal_person_id: number;
  role_id: 0 | 1 | 2;
}

export interface ListRow {
  id: number;
  type: EntityType;
  name: string;
  public: boolean;
  owner_id: number;
  creator_id: number;
  additional_permissions: ListPermission[];
  created_at: string;
}

export interface ListEntryRow {
  id: number;
  list_id: number;
  creator_id: number;
  entity_id: number;
  entity_type: EntityType;
  /** UTC with milliseconds and `Z`, as the live API answers. */
  created_at: string;
}

export interface DropdownOption {
  id: number;
  text: string;
  rank: number;
  color: number;
}

export interface FieldRow {
  id: number;
  name: string;
  /** null for global fields. */
  list_id: number | null;
  entity_type: EntityType;
  value_type: ValueType;
  allows_multiple: boolean;
  track_changes: boolean;
  is_required: boolean;
  /** `none` for custom fields; the provider's name for enriched ones (no change tracking). */
  enrichment_source: string;
  dropdown_options: DropdownOption[];
  created_at: string;
}

/**
 * What a field value stores: person/organization ids and numbers as numbers, dropdown and text as
 * strings, dates as timestamps (midnight Pacific), locations as objects, ranked dropdowns as the
 * option id (rendered as `{id, text, rank, color}`).
 */
export type StoredValue = number | string | LocationValue;

export interface FieldValueRow {
  id: number;
  field_id: number;
  entity_id: number;
  entity_type: EntityType;
  value_type: ValueType;
  /** Set only for list-specific fields. */
  list_entry_id: number | null;
  value: StoredValue;
  created_at: string;
  /** null until the value is edited. */
  updated_at: string | null;
}

/** 0 create, 1 delete, 2 update. */
export type ActionType = 0 | 1 | 2;

export interface FieldValueChangeRow {
  id: number;
  field_id: number;
  entity_id: number;
  entity_type: EntityType;
  list_entry_id: number | null;
  action_type: ActionType;
  changer_id: number;
  changed_at: string;
  /** The value as rendered at the time (for deletes: the old value). */
  value: unknown;
}

type ModelTables = {
  tenants: Table<TenantRow>;
  apiKeys: Table<ApiKeyRow>;
  persons: Table<PersonRow>;
  organizations: Table<OrganizationRow>;
  opportunities: Table<OpportunityRow>;
  lists: Table<ListRow>;
  listEntries: Table<ListEntryRow>;
  fields: Table<FieldRow>;
  fieldValues: Table<FieldValueRow>;
  fieldValueChanges: Table<FieldValueChangeRow>;
};

// A core's tables are created once and never replaced (reset empties them), so one lookup suffices.
const cache = new WeakMap<EmulatorCore, ModelTables>();

/** Typed access to the tables of this model (cached per core: it sits on every request's path). */
export function tablesOf(core: EmulatorCore): ModelTables {
  const hit = cache.get(core);
  if (hit) return hit;
  const t: ModelTables = {
    tenants: core.table<TenantRow>(TABLES.tenants),
    apiKeys: core.table<ApiKeyRow>(TABLES.apiKeys),
    persons: core.table<PersonRow>(TABLES.persons),
    organizations: core.table<OrganizationRow>(TABLES.organizations),
    opportunities: core.table<OpportunityRow>(TABLES.opportunities),
    lists: core.table<ListRow>(TABLES.lists),
    listEntries: core.table<ListEntryRow>(TABLES.listEntries),
    fields: core.table<FieldRow>(TABLES.fields),
    fieldValues: core.table<FieldValueRow>(TABLES.fieldValues),
    fieldValueChanges: core.table<FieldValueChangeRow>(TABLES.fieldValueChanges),
  };
  cache.set(core, t);
  return t;
}

/** The interaction summary of persons/organizations (`interaction_dates` in the reference). */
export interface InteractionDates {
  first_email_date: string | null;
  last_email_date: string | null;
  last_event_date: string | null;
  last_chat_message_date: string | null;
  last_interaction_date: string | null;
  next_event_date: string | null;
  first_event_date: string | null;
}
