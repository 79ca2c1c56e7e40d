/** `/fields`: list with filters, create (global or list-specific), delete. */

import { boolParam, createField, deleteField, intParam, renderField, stringParam } from '../entities.js';
import { type ResourceModule, unprocessable } from '../framework.js';
import { type EntityType, tablesOf, type ValueType } from '../model.js';
import { pathInt, queryInt, queryString } from './query.js';

export const fieldsModule: ResourceModule = {
  name: 'fields',
  routes: (core) => [
    {
      method: 'GET',
      path: '/fields',
      handler: (ctx) => {
        const q = ctx.query;
        const t = tablesOf(core);
        const listId = queryInt(q, 'list_id');
        const valueType = queryInt(q, 'value_type');
        const entityType = queryInt(q, 'entity_type');
        const modified = boolParam(queryString(q, 'with_modified_names'));
        const exclude = boolParam(queryString(q, 'exclude_dropdown_options'));
        return [...t.fields.values()]
          .filter(
            (f) =>
              (listId === undefined || f.list_id === listId) &&
              (valueType === undefined || f.value_type === valueType) &&
              (entityType === undefined || f.entity_type === entityType),
          )
          .map((f) =>
            renderField(f, {
              listName: modified && f.list_id !== null ? t.lists.get(f.list_id)?.name : undefined,
              excludeDropdownOptions: exclude,
            }),
          );
      },
    },
    {
      method: 'POST',
      path: '/fields',
      handler: (ctx) => {
        const b = ctx.body;
        const name = stringParam(b.name, 'name', true) as string;
        const entityType = intParam(b.entity_type, 'entity_type', true) as number;
        if (entityType !== 0 && entityType !== 1 && entityType !== 8)
          throw unprocessable('entity_type must be 0, 1 or 8');
        const valueType = intParam(b.value_type, 'value_type', true) as number;
        if (valueType < 0 || valueType > 7) throw unprocessable('value_type must be between 0 and 7');
        const listId = intParam(b.list_id, 'list_id') ?? null;
        const listSpecific = boolParam(b.is_list_specific) || listId !== null;
        if (listSpecific && listId === null)
          throw unprocessable('list_id is required for a list-specific field');
        if (listId !== null) {
          const list = tablesOf(core).lists.reference(listId, 'List', 'list_id');
          if (list.type !== entityType) throw unprocessable("entity_type must match the list's type");
        } else if (entityType === 8) {
          throw unprocessable('Opportunities have no global fields: give the list_id of an opportunity list');
        }
        const field = createField(core, {
          name,
          entity_type: entityType as EntityType,
          value_type: valueType as ValueType,
          list_id: listId,
          allows_multiple: boolParam(b.allows_multiple),
          is_required: boolParam(b.is_required),
        });
        const body = renderField(field);
        core.emit('field.created', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/fields/{id}',
      handler: (ctx) => {
        const field = tablesOf(core).fields.require(pathInt(ctx.params, 'id'), 'Field');
        const body = renderField(field);
        deleteField(core, field);
        core.emit('field.deleted', body);
        return { success: true };
      },
    },
  ],
};
