/** `/lists`: the lists visible to the user, one list with its fields, list creation. */

import {
  boolParam,
  canSeeList,
  createList,
  intParam,
  renderList,
  stringParam,
  visibleList,
} from '../entities.js';
import { type ResourceModule, unprocessable } from '../framework.js';
import { type EntityType, type ListPermission, tablesOf } from '../model.js';
import { pathInt } from './query.js';

function parsePermissions(core: Parameters<ResourceModule['routes']>[0], raw: unknown): ListPermission[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw unprocessable('additional_permissions must be an array');
  return raw.map((p) => {
    if (typeof p !== 'object' || p === null) throw unprocessable('additional_permissions must be objects');
    const o = p as Record<string, unknown>;
    const person = intParam(o.internal_person_id, 'internal_person_id', true) as number;
    const role = intParam(o.role_id, 'role_id', true) as number;
    if (!core.isInternalPerson(person)) throw unprocessable(`${person} is not an internal person`);
    if (role !== 0 && role !== 1 && role !== 2) throw unprocessable('role_id must be 0, 1 or 2');
    return { internal_person_id: person, role_id: role };
  });
}

export const listsModule: ResourceModule = {
  name: 'lists',
  routes: (core) => [
    {
      method: 'GET',
      path: '/lists',
      handler: (ctx) =>
        [...tablesOf(core).lists.values()]
          .filter((l) => canSeeList(l, ctx.userId))
          .map((l) => renderList(core, l, false)),
    },
    {
      method: 'GET',
      path: '/lists/{list_id}',
      handler: (ctx) => renderList(core, visibleList(core, pathInt(ctx.params, 'list_id'), ctx.userId), true),
    },
    {
      method: 'POST',
      path: '/lists',
      handler: (ctx) => {
        const b = ctx.body;
        const name = stringParam(b.name, 'name', true) as string;
        const type = intParam(b.type, 'type', true) as number;
        if (type !== 0 && type !== 1 && type !== 8) throw unprocessable('type must be 0, 1 or 8');
        if (b.is_public === undefined || b.is_public === null || b.is_public === '') {
          throw unprocessable('is_public is required');
        }
        const owner = intParam(b.owner_id, 'owner_id') ?? ctx.userId;
        if (!core.isInternalPerson(owner)) throw unprocessable('owner_id must be an internal person');
        const list = createList(core, {
          name,
          type: type as EntityType,
          public: boolParam(b.is_public),
          owner_id: owner,
          creator_id: ctx.userId,
          additional_permissions: parsePermissions(core, b.additional_permissions),
        });
        const body = renderList(core, list, false);
        core.emit('list.created', body);
        return body;
      },
    },
  ],
};
