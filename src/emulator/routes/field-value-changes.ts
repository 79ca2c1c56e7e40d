/** `GET /field-value-changes`: the history of a change-tracking field, with filters. */

import { opportunitySummary, organizationSummary, personSummary, supportsChanges } from '../entities.js';
import { type ResourceModule, unprocessable } from '../framework.js';
import { type FieldValueChangeRow, tablesOf } from '../model.js';
import { queryInt } from './query.js';

export const fieldValueChangesModule: ResourceModule = {
  name: 'field-value-changes',
  routes: (core) => [
    {
      method: 'GET',
      path: '/field-value-changes',
      handler: (ctx) => {
        const q = ctx.query;
        const t = tablesOf(core);
        const fieldId = queryInt(q, 'field_id');
        if (fieldId === undefined) throw unprocessable('field_id is required');
        const field = t.fields.reference(fieldId, 'Field', 'field_id');
        if (!supportsChanges(field)) throw unprocessable(`Field ${fieldId} does not track changes`);
        const action = queryInt(q, 'action_type');
        if (action !== undefined && action !== 0 && action !== 1 && action !== 2) {
          throw unprocessable('action_type must be 0, 1 or 2');
        }
        const entity =
          queryInt(q, 'person_id') ?? queryInt(q, 'organization_id') ?? queryInt(q, 'opportunity_id');
        const entry = queryInt(q, 'list_entry_id');
        const out: unknown[] = [];
        for (const c of t.fieldValueChanges.values() as IterableIterator<FieldValueChangeRow>) {
          if (c.field_id !== fieldId) continue;
          if (action !== undefined && c.action_type !== action) continue;
          if (entity !== undefined && c.entity_id !== entity) continue;
          if (entry !== undefined && c.list_entry_id !== entry) continue;
          const changer = t.persons.get(c.changer_id);
          const person = c.entity_type === 0 ? t.persons.get(c.entity_id) : undefined;
          const company = c.entity_type === 1 ? t.organizations.get(c.entity_id) : undefined;
          const opp = c.entity_type === 8 ? t.opportunities.get(c.entity_id) : undefined;
          out.push({
            id: c.id,
            field_id: c.field_id,
            entity_attribute_id: c.field_id,
            entity_id: c.entity_id,
            list_entry_id: c.list_entry_id,
            action_type: c.action_type,
            changer: changer ? personSummary(changer) : null,
            changed_at: c.changed_at,
            person: person ? personSummary(person) : null,
            company: company ? organizationSummary(company) : null,
            opp: opp ? opportunitySummary(opp) : null,
            value: c.value,
          });
        }
        return out;
      },
    },
  ],
};
