/**
 * What the connected Affinity workspace holds — lists with their sizes, fields with their value
 * types — for setting up destinations and pulls. Read through the workspace cache (a minute);
 * `refresh` reads Affinity again. Anyone signed in may read them.
 */
import { z } from 'zod';
import {
  recordTypeCodes,
  selectFields,
  type WorkspaceRecordType,
  workspaceFields,
  workspaceLists,
} from '../sync/workspace.js';
import { openAffinity, workspaceInfo } from './connection.js';
import { type AppContext, AppError, parseInput } from './context.js';

export const workspaceRecordTypes = Object.keys(recordTypeCodes) as [
  WorkspaceRecordType,
  ...WorkspaceRecordType[],
];
const recordType = z.enum(workspaceRecordTypes);
const refresh = z
  .boolean()
  .optional()
  .describe('Read Affinity again instead of the cached answer (up to a minute old)');

export const workspaceListView = z.object({
  id: z.number().int(),
  name: z.string(),
  type: recordType,
  size: z.number().int().describe('Entries on the list'),
  public: z.boolean(),
  owner: z
    .object({ id: z.number().int(), name: z.string().nullable(), email: z.string().nullable() })
    .nullable(),
});

export const workspaceFieldView = z.object({
  id: z.number().int(),
  name: z.string(),
  entityType: recordType,
  valueType: z.string().describe("Affinity's value type by its UI name (text, number, dropdown…)"),
  valueTypeCode: z.number().int(),
  multiple: z.boolean(),
  list: z
    .object({ id: z.number().int(), name: z.string().nullable() })
    .nullable()
    .describe('Null for a global field'),
  options: z.array(z.object({ id: z.number().int(), text: z.string(), rank: z.number().nullable() })),
});

// ---------------------------------------------------------------------------------------------

export const workspaceListsInput = z.object({ refresh });
export const workspaceListsResult = z.object({ workspace: workspaceInfo, lists: z.array(workspaceListView) });
export type WorkspaceListsResult = z.infer<typeof workspaceListsResult>;

/** The workspace's lists: id, name, record type, size, owner, public or private. */
export async function listWorkspaceLists(
  ctx: AppContext,
  input: z.input<typeof workspaceListsInput> = {},
): Promise<WorkspaceListsResult> {
  const { refresh } = parseInput(workspaceListsInput, input);
  const { connection, workspace, client } = await openAffinity(ctx);
  const lists = await workspaceLists(ctx.deps.store, client, connection.id, refresh ? { maxAgeMs: 0 } : {});
  return { workspace, lists };
}

// ---------------------------------------------------------------------------------------------

export const workspaceFieldsInput = z.object({
  list: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .describe(
      'Only the fields usable on this list (name or id): the global ones of its record type and its own',
    ),
  entity: recordType.optional().describe('Only the fields of one record type'),
  refresh,
});
export const workspaceFieldsResult = z.object({
  workspace: workspaceInfo,
  list: workspaceListView.nullable(),
  entity: recordType.nullable(),
  fields: z.array(workspaceFieldView),
});
export type WorkspaceFieldsResult = z.infer<typeof workspaceFieldsResult>;

/**
 * The workspace's fields with their value types, multiplicity, scope (global or a list's) and
 * dropdown options: all, one record type's, or those usable on one list. An unknown list is a
 * `bad_request` naming `list` (with the close names, if any).
 */
export async function listWorkspaceFields(
  ctx: AppContext,
  input: z.input<typeof workspaceFieldsInput> = {},
): Promise<WorkspaceFieldsResult> {
  const { list, entity, refresh } = parseInput(workspaceFieldsInput, input);
  const { connection, workspace, client } = await openAffinity(ctx);
  const cache = refresh ? { maxAgeMs: 0 } : {};
  const lists = await workspaceLists(ctx.deps.store, client, connection.id, cache);
  const fields = await workspaceFields(ctx.deps.store, client, connection.id, cache);
  const selected = selectFields(fields, lists, { list, entity });
  if (selected.code !== 'ok') {
    throw new AppError('bad_request', selected.message, {
      issues: [{ field: selected.code === 'mismatch' ? 'entity' : 'list', message: selected.message }],
    });
  }
  return {
    workspace,
    list: selected.list,
    entity: entity ?? selected.list?.type ?? null,
    fields: selected.fields,
  };
}
