import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  addToList,
  createList as createUserList,
  deleteList as deleteUserList,
  ListKeysNotFoundError,
  listLists as listUserLists,
  removeFromList,
  showList,
  type UserList,
} from '../intelligence/index.js';
import { intelLists } from '../store/index.js';
import { type AppContext, AppError, parseInput } from './context.js';
import { plainRow, type SearchResultRow, searchEntity, searchResultItem } from './search.js';

/**
 * Our own lists of companies, people or investors: any signed-in user may read, create, rename and
 * delete them and add or remove members, named by domain (companies, investors) or by email or
 * LinkedIn URL (people).
 */

/** A list named by its id (a number) or its name (a string). */
const listRef = z.union([z.number().int().positive(), z.string().trim().min(1).max(200)]);
const listName = z.string().trim().min(1, 'a list needs a name').max(200);
const keys = z
  .array(z.string().trim().min(1).max(2048))
  .min(1, 'name at least one member: a domain, an email or a LinkedIn URL')
  .max(10_000);

export const userListSchema = z.object({
  id: z.number(),
  name: z.string(),
  entity: searchEntity,
  size: z.number(),
  autoPush: z.boolean().describe('marked auto-push (PUT /lists/{id}/auto-push)'),
  createdAt: z.string(),
});
export const userLists = z.object({ lists: z.array(userListSchema) });

async function mustFind(ctx: AppContext, ref: number | string): Promise<UserList> {
  const all = await listUserLists(ctx.deps.store);
  const hit =
    typeof ref === 'number' ? all.find((l) => l.id === ref) : all.find((l) => l.name === ref.trim());
  if (hit) return hit;
  throw new AppError(
    'not_found',
    typeof ref === 'number' ? `no list ${ref}` : `no list named ${JSON.stringify(ref)}`,
  );
}

export const listListsInput = z.object({});

/** Every list with its size, by name. */
export async function listLists(
  ctx: AppContext,
  input: z.input<typeof listListsInput> = {},
): Promise<{ lists: UserList[] }> {
  parseInput(listListsInput, input);
  return { lists: await listUserLists(ctx.deps.store) };
}

export const getListInput = z.object({
  list: listRef,
  limit: z.coerce.number().int().min(0).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
export const listWithMembers = z.object({
  list: userListSchema,
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
  results: z.array(searchResultItem),
});
export interface ListWithMembers {
  list: UserList;
  total: number;
  limit: number;
  offset: number;
  results: SearchResultRow[];
}

/** A list and one page of its members, in the entity's default order. */
export async function getList(
  ctx: AppContext,
  input: z.input<typeof getListInput>,
): Promise<ListWithMembers> {
  const i = parseInput(getListInput, input);
  const list = await mustFind(ctx, i.list);
  const page = await showList(ctx.deps.store, list.name, { limit: i.limit, offset: i.offset });
  return {
    list: page.list,
    total: page.list.size,
    limit: i.limit,
    offset: i.offset,
    results: page.results.map(plainRow),
  };
}

export const createListInput = z.object({ name: listName, entity: searchEntity });

/** Creates an empty list of one kind; a name already taken is a `conflict`. */
export async function createList(ctx: AppContext, input: z.input<typeof createListInput>): Promise<UserList> {
  const i = parseInput(createListInput, input);
  const taken = (await listUserLists(ctx.deps.store)).some((l) => l.name === i.name);
  if (taken) throw new AppError('conflict', `a list named ${JSON.stringify(i.name)} already exists`);
  return createUserList(ctx.deps.store, i.name, i.entity);
}

export const renameListInput = z.object({ list: listRef, name: listName });

/** Renames a list; its members stay. A name already taken is a `conflict`. */
export async function renameList(ctx: AppContext, input: z.input<typeof renameListInput>): Promise<UserList> {
  const i = parseInput(renameListInput, input);
  const list = await mustFind(ctx, i.list);
  if (i.name === list.name) return list;
  const taken = (await listUserLists(ctx.deps.store)).some((l) => l.name === i.name);
  if (taken) throw new AppError('conflict', `a list named ${JSON.stringify(i.name)} already exists`);
  await ctx.deps.store.db.update(intelLists).set({ name: i.name }).where(eq(intelLists.id, list.id));
  return { ...list, name: i.name };
}

export const deleteListInput = z.object({ list: listRef });

/** Deletes a list (never its members from the dataset). */
export async function deleteList(
  ctx: AppContext,
  input: z.input<typeof deleteListInput>,
): Promise<{ deleted: UserList }> {
  const i = parseInput(deleteListInput, input);
  const list = await mustFind(ctx, i.list);
  await deleteUserList(ctx.deps.store, list.name);
  return { deleted: list };
}

export const addListMembersInput = z.object({
  list: listRef,
  keys,
  /** Add the members found and report the keys that name nothing, instead of adding nothing. */
  skipMissing: z.boolean().default(false),
});
export const listMembersAdded = z.object({
  list: z.string(),
  added: z.number(),
  alreadyPresent: z.number(),
  notFound: z.array(z.string()),
});

/**
 * Adds members by key, all or nothing: when a key names nothing, nothing is added and the
 * `bad_request` names every such key (`details.notFound`) — unless `skipMissing`.
 */
export async function addListMembers(
  ctx: AppContext,
  input: z.input<typeof addListMembersInput>,
): Promise<z.infer<typeof listMembersAdded>> {
  const i = parseInput(addListMembersInput, input);
  const list = await mustFind(ctx, i.list);
  try {
    return await addToList(ctx.deps.store, list.name, i.keys, { skipMissing: i.skipMissing });
  } catch (err) {
    if (err instanceof ListKeysNotFoundError) {
      throw new AppError('bad_request', err.message, {
        list: err.list,
        notFound: err.notFound,
        issues: [{ field: 'keys', message: `not found: ${err.notFound.join(', ')}` }],
      });
    }
    throw err;
  }
}

export const removeListMembersInput = z.object({ list: listRef, keys });
export const listMembersRemoved = z.object({
  list: z.string(),
  removed: z.number(),
  notInList: z.number(),
  notFound: z.array(z.string()),
});

/** Removes members by key; keys that name nothing or no member are reported, not refused. */
export async function removeListMembers(
  ctx: AppContext,
  input: z.input<typeof removeListMembersInput>,
): Promise<z.infer<typeof listMembersRemoved>> {
  const i = parseInput(removeListMembersInput, input);
  const list = await mustFind(ctx, i.list);
  return removeFromList(ctx.deps.store, list.name, i.keys);
}
