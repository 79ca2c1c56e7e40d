/**
 * Building and replacing the workspace: the {@link SeedBuilder} over the emulator's state, seed
 * application (a named seed, a seed function or an exported workspace), and API keys.
 */
import { activitySeeder } from './activity-seed.js';
import { type Core, isWorkspaceJson, type WorkspaceJson } from './core.js';
import {
  createField,
  createFieldValue,
  createList,
  createListEntry,
  createOpportunity,
  createOrganization,
  createPerson,
} from './entities.js';
import type { EmulatorCore } from './framework.js';
import { type ApiKeyRow, type PersonRow, tablesOf } from './model.js';
import { DEFAULT_TENANT } from './routes/whoami.js';
import type { Seed, SeedBuilder } from './seed-builder.js';
import { seeds } from './seeds/index.js';
import { checkWorkspace, InvalidWorkspaceError } from './workspace-schema.js';

/** The key of the workspace's first user when none is configured. */
export const DEFAULT_API_KEY = 'affinity-emulator-key';

/** What `seed` options and `POST /_emulator/seed` accept. */
export type SeedInput = 'demo' | 'empty' | Seed | WorkspaceJson;

/** The SeedBuilder over `core`: every add goes through the same rules as the API. */
export function createSeedBuilder(core: EmulatorCore): SeedBuilder {
  const t = tablesOf(core);
  const activity = activitySeeder(core);
  const list = (id: number) => t.lists.require(id, 'List');
  // Users are only added while seeding, with ever larger ids, so the first one never changes; looking
  // it up per entry or value scanned every person.
  let firstUser: number | undefined;
  const defaultCreator = (): number => {
    firstUser ??= firstUserId(core);
    return firstUser;
  };
  return {
    addUser(u) {
      const p = createPerson(core, {
        first_name: u.firstName,
        last_name: u.lastName,
        emails: [u.email],
        type: 1,
      });
      if (u.apiKey) addApiKey(core, u.apiKey, p.id);
      return p.id;
    },
    addList(l) {
      return createList(core, {
        name: l.name,
        type: l.type,
        public: l.public,
        owner_id: l.ownerId,
        creator_id: l.creatorId ?? l.ownerId,
        additional_permissions: l.additionalPermissions ?? [],
      }).id;
    },
    addField(f) {
      const field = createField(core, {
        name: f.name,
        entity_type: f.entityType,
        value_type: f.valueType,
        list_id: f.listId ?? null,
        ...(f.allowsMultiple !== undefined ? { allows_multiple: f.allowsMultiple } : {}),
        ...(f.trackChanges !== undefined ? { track_changes: f.trackChanges } : {}),
        ...(f.enrichmentSource !== undefined ? { enrichment_source: f.enrichmentSource } : {}),
        ...(f.dropdownOptions ? { dropdown_options: f.dropdownOptions } : {}),
      });
      return { id: field.id, optionIds: field.dropdown_options.map((o) => o.id) };
    },
    addOrganization(o) {
      return createOrganization(core, {
        name: o.name,
        domain: o.domain,
        ...(o.domains ? { domains: o.domains } : {}),
        ...(o.personIds ? { person_ids: o.personIds } : {}),
        ...(o.global !== undefined ? { global: o.global } : {}),
        ...(o.crunchbaseUuid !== undefined ? { crunchbase_uuid: o.crunchbaseUuid } : {}),
      }).id;
    },
    addPerson(p) {
      return createPerson(core, {
        first_name: p.firstName,
        last_name: p.lastName,
        emails: p.emails,
        ...(p.organizationIds ? { organization_ids: p.organizationIds } : {}),
        ...(p.type !== undefined ? { type: p.type } : {}),
      }).id;
    },
    addOpportunity(o) {
      const { opportunity, entry } = createOpportunity(core, {
        name: o.name,
        list: list(o.listId),
        creator_id: o.creatorId ?? defaultCreator(),
        ...(o.personIds ? { person_ids: o.personIds } : {}),
        ...(o.organizationIds ? { organization_ids: o.organizationIds } : {}),
        ...(o.createdAt ? { created_at: core.timestamp(new Date(o.createdAt)) } : {}),
      });
      if (o.createdAt) entry.created_at = new Date(o.createdAt).toISOString();
      return { id: opportunity.id, listEntryId: entry.id };
    },
    addListEntry(e) {
      return createListEntry(core, list(e.listId), e.entityId, e.creatorId ?? defaultCreator(), e.createdAt)
        .id;
    },
    addFieldValue(v) {
      return createFieldValue(core, {
        field: t.fields.require(v.fieldId, 'Field'),
        entityId: v.entityId,
        ...(v.listEntryId !== undefined ? { listEntryId: v.listEntryId } : {}),
        value: v.value,
        changerId: defaultCreator(),
        ...(v.createdAt ? { createdAt: core.timestamp(new Date(v.createdAt)) } : {}),
      }).id;
    },
    addInteraction: (i) => activity.addInteraction(i),
    addNote: (n) => activity.addNote(n),
    addReminder: (r) => activity.addReminder(r),
    setRelationshipStrength: (s) => activity.setRelationshipStrength(s),
  };
}

/** Internal persons in id order (the first one owns the tenant). */
export function users(core: EmulatorCore): PersonRow[] {
  return tablesOf(core)
    .persons.all()
    .filter((p) => p.type === 1);
}

function firstUserId(core: EmulatorCore): number {
  const u = users(core)[0];
  if (!u) throw new Error('the workspace has no user yet: call addUser first');
  return u.id;
}

/** API key → key row, kept current by {@link addApiKey}. */
export function apiKeyIndex(core: EmulatorCore): Map<string, ApiKeyRow> {
  return core.memo('api-keys', (c) => {
    const m = new Map<string, ApiKeyRow>();
    for (const k of tablesOf(c).apiKeys.values()) m.set(k.key, k);
    return m;
  });
}

/** Gives `personId` the key `key` (a key belongs to one user; reassigning moves it). */
export function addApiKey(core: EmulatorCore, key: string, personId: number): ApiKeyRow {
  const idx = apiKeyIndex(core);
  const existing = idx.get(key);
  if (existing) {
    existing.person_id = personId;
    return existing;
  }
  const row: ApiKeyRow = { id: core.nextId(), key, person_id: personId, created_at: core.timestamp() };
  tablesOf(core).apiKeys.insert(row);
  idx.set(key, row);
  return row;
}

/** Takes a key away (it stops authenticating at once). */
function removeApiKey(core: EmulatorCore, row: ApiKeyRow): void {
  const idx = apiKeyIndex(core);
  if (idx.get(row.key) === row) idx.delete(row.key);
  tablesOf(core).apiKeys.delete(row.id);
}

/**
 * Replaces the state with `seed`, then makes sure the workspace can be used: a tenant, at least
 * one user, and keys. `apiKeys[i]` becomes the only key of the i-th user, replacing the keys it
 * had (users are added when there are more keys than users); without keys the first user gets
 * {@link DEFAULT_API_KEY} unless it already has one. Returns the first user's key.
 *
 * An exported workspace is checked whole first: an invalid one throws
 * {@link InvalidWorkspaceError} and leaves the state as it was.
 */
export function applySeed(core: Core, seed: SeedInput, apiKeys: readonly string[] = []): string {
  if (isWorkspaceJson(seed)) {
    const checked = checkWorkspace(seed);
    if (!checked.ok) throw new InvalidWorkspaceError(checked.problems);
    core.reset();
    core.loadState(checked.workspace);
  } else {
    const fn = typeof seed === 'function' ? seed : seeds[seed];
    if (!fn) throw new Error(`unknown seed: ${String(seed)}`);
    core.reset();
    fn(createSeedBuilder(core));
  }
  return ensureAccess(core, apiKeys);
}

/** The tenant, a first user and the keys (see {@link applySeed}); returns the first user's key. */
export function ensureAccess(core: EmulatorCore, apiKeys: readonly string[]): string {
  const t = tablesOf(core);
  if (t.tenants.size === 0) t.tenants.insert({ id: core.nextId(), ...DEFAULT_TENANT });
  let all = users(core);
  if (all.length === 0) {
    createPerson(core, {
      first_name: 'Emulator',
      last_name: 'User',
      emails: ['user@emulator.local'],
      type: 1,
    });
    all = users(core);
  }
  apiKeys.forEach((key, i) => {
    let user = all[i];
    if (!user) {
      user = createPerson(core, {
        first_name: 'User',
        last_name: String(i + 1),
        emails: [`user${i + 1}@emulator.local`],
        type: 1,
      });
      all.push(user);
    }
    addApiKey(core, key, user.id);
    // A key given for a user replaces the keys it had (a restart with a new key locks the old out).
    for (const row of [...t.apiKeys.values()]) {
      if (row.person_id === user.id && row.key !== key) removeApiKey(core, row);
    }
  });
  const first = all[0] as PersonRow;
  const keys = [...t.apiKeys.values()].filter((k) => k.person_id === first.id);
  if (apiKeys[0]) return apiKeys[0];
  if (keys[0]) return keys[0].key;
  return addApiKey(core, DEFAULT_API_KEY, first.id).key;
}
