/** `/field-values`: values of one entity or list entry; create, update, delete with change tracking. */

import {
  canSeeList,
  createFieldValue,
  deleteFieldValue,
  index,
  intParam,
  renderFieldValue,
  updateFieldValue,
  visibleList,
} from '../entities.js';
import { type EmulatorCore, type RequestContext, type ResourceModule, unprocessable } from '../framework.js';
import { type FieldValueRow, tablesOf } from '../model.js';
import { pathInt, queryInt } from './query.js';

const SUBJECTS = ['person_id', 'organization_id', 'opportunity_id', 'list_entry_id'] as const;

function findValue(core: EmulatorCore, ctx: RequestContext): FieldValueRow {
  return tablesOf(core).fieldValues.require(pathInt(ctx.params, 'field_value_id'), 'Field value');
}

/** Whether the user may see a value: global values always, list-specific ones on visible lists. */
function visible(core: EmulatorCore, v: FieldValueRow, userId: number): boolean {
  if (v.list_entry_id === null) return true;
  const e = tablesOf(core).listEntries.get(v.list_entry_id);
  const l = e ? tablesOf(core).lists.get(e.list_id) : undefined;
  return l ? canSeeList(l, userId) : false;
}

export const fieldValuesModule: ResourceModule = {
  name: 'field-values',
  routes: (core) => [
    {
      method: 'GET',
      path: '/field-values',
      handler: (ctx) => {
        const given = SUBJECTS.filter((k) => queryInt(ctx.query, k) !== undefined);
        if (given.length !== 1) {
          throw unprocessable(
            'Exactly one of person_id, organization_id, opportunity_id or list_entry_id is required',
          );
        }
        const key = given[0] as (typeof SUBJECTS)[number];
        const id = queryInt(ctx.query, key) as number;
        const t = tablesOf(core);
        let values: FieldValueRow[];
        if (key === 'list_entry_id') {
          const entry = t.listEntries.reference(id, 'List entry', key);
          visibleList(core, entry.list_id, ctx.userId);
          // The entry's own values and the global values of its entity.
          values = (index(core).valuesByEntity.get(entry.entity_id) ?? []).filter(
            (v) => v.list_entry_id === entry.id || v.list_entry_id === null,
          );
        } else {
          const table =
            key === 'person_id' ? t.persons : key === 'organization_id' ? t.organizations : t.opportunities;
          table.reference(
            id,
            key === 'person_id' ? 'Person' : key === 'organization_id' ? 'Organization' : 'Opportunity',
            key,
          );
          values = index(core).valuesByEntity.get(id) ?? [];
        }
        return values.filter((v) => visible(core, v, ctx.userId)).map((v) => renderFieldValue(core, v));
      },
    },
    {
      method: 'POST',
      path: '/field-values',
      handler: (ctx) => {
        const b = ctx.body;
        const fieldId = intParam(b.field_id, 'field_id', true) as number;
        const entityId = intParam(b.entity_id, 'entity_id', true) as number;
        const listEntryId = intParam(b.list_entry_id, 'list_entry_id');
        if (!('value' in b)) throw unprocessable('value is required');
        const field = tablesOf(core).fields.reference(fieldId, 'Field', 'field_id');
        if (field.list_id !== null) visibleList(core, field.list_id, ctx.userId);
        const v = createFieldValue(core, {
          field,
          entityId,
          ...(listEntryId !== undefined ? { listEntryId } : {}),
          value: b.value,
          changerId: ctx.userId,
        });
        const body = renderFieldValue(core, v);
        core.emit('field_value.created', body);
        return body;
      },
    },
    {
      method: 'PUT',
      path: '/field-values/{field_value_id}',
      handler: (ctx) => {
        const v = findValue(core, ctx);
        if (!('value' in ctx.body)) throw unprocessable('value is required');
        updateFieldValue(core, v, ctx.body.value, ctx.userId);
        const body = renderFieldValue(core, v);
        core.emit('field_value.updated', body);
        return body;
      },
    },
    {
      method: 'DELETE',
      path: '/field-values/{field_value_id}',
      handler: (ctx) => {
        const v = findValue(core, ctx);
        const body = renderFieldValue(core, v);
        deleteFieldValue(core, v, ctx.userId);
        core.emit('field_value.deleted', body);
        return { success: true };
      },
    },
  ],
};
