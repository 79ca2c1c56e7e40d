/**
 * Relationship strengths (`/relationships-strengths`, spelled as the live API spells it): at most
 * one strength in [0, 1] per (internal, external) pair, queried by the external person.
 */
import { ACTIVITY_TABLES, deletedEntity, optInt } from '../activity-common.js';
import type { EmulatorCore, ResourceModule, Table } from '../framework.js';
import { unprocessable } from '../framework.js';
import { tablesOf } from '../model.js';

export interface RelationshipStrengthRow {
  id: number;
  internal_id: number;
  external_id: number;
  strength: number;
}

const table = (core: EmulatorCore): Table<RelationshipStrengthRow> =>
  core.table<RelationshipStrengthRow>(ACTIVITY_TABLES.relationshipStrengths);

/** Sets the strength of a pair, replacing the previous one (one resource per pair). */
export function setStrength(
  core: EmulatorCore,
  internalId: number,
  externalId: number,
  strength: number,
): void {
  if (!(strength >= 0 && strength <= 1))
    throw new RangeError(`strength must be within [0, 1], got ${strength}`);
  for (const row of table(core).values()) {
    if (row.internal_id === internalId && row.external_id === externalId) {
      row.strength = strength;
      return;
    }
  }
  table(core).insert({ id: core.nextId(), internal_id: internalId, external_id: externalId, strength });
}

export const relationshipStrengthsModule: ResourceModule = {
  name: 'relationship-strengths',
  routes: (core) => [
    {
      method: 'GET',
      path: '/relationships-strengths',
      handler: (ctx) => {
        const externalId = optInt(ctx.query, 'external_id');
        if (externalId === undefined) throw unprocessable('external_id is required.');
        const internalId = optInt(ctx.query, 'internal_id');
        const persons = tablesOf(core).persons;
        persons.reference(externalId, 'Person', 'external_id');
        if (internalId !== undefined) persons.reference(internalId, 'Person', 'internal_id');
        const out: Array<{ internal_id: number; external_id: number; strength: number }> = [];
        for (const row of table(core).values()) {
          if (row.external_id !== externalId) continue;
          if (internalId !== undefined && row.internal_id !== internalId) continue;
          out.push({ internal_id: row.internal_id, external_id: row.external_id, strength: row.strength });
        }
        return out;
      },
    },
  ],
  onEvent: (core, type, body) => {
    const gone = deletedEntity(type, body);
    if (gone?.kind !== 'person') return;
    for (const row of table(core).all()) {
      if (row.internal_id === gone.id || row.external_id === gone.id) table(core).delete(row.id);
    }
  },
};
