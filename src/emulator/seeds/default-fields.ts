/**
 * The global fields Affinity creates in every new instance (the reference's "Default Fields"):
 * Location, Industry, Job Titles, LinkedIn URL, Phone Number and Source of Introduction, plus the
 * enriched fields behind "Affinity Data", "Crunchbase Data" and "Pitchbook Data". Enriched fields
 * carry their provider as `enrichment_source` and do not track changes, as in Affinity.
 *
 * Not created: "Connections" and "Lists" (computed by the product, not stored as field values) and
 * the smart fields (First Email, Last Interaction…), which the API derives from interactions.
 */
import type { EntityType, SeedBuilder, ValueType } from '../seed-builder.js';

export interface DefaultFieldSpec {
  key: string;
  name: string;
  entityType: EntityType;
  valueType: ValueType;
  allowsMultiple: boolean;
  enrichmentSource: string;
  trackChanges: boolean;
}

const PERSON = 0;
const ORGANIZATION = 1;

/** The default global fields, in creation order. `key` names them in code; `name` is Affinity's. */
export const DEFAULT_GLOBAL_FIELDS = [
  // Persons
  f('personLocation', 'Location', PERSON, 5, false, 'affinity-data'),
  f('personIndustry', 'Industry', PERSON, 2, true, 'affinity-data'),
  f('personJobTitles', 'Job Titles', PERSON, 2, true, 'affinity-data'),
  f('personLinkedinUrl', 'LinkedIn URL', PERSON, 6, false, 'affinity-data'),
  f('personPhoneNumber', 'Phone Number', PERSON, 2, true, 'affinity-data'),
  f('personSourceOfIntroduction', 'Source of Introduction', PERSON, 0, false, 'none'),
  // Organizations
  f('orgLocation', 'Location', ORGANIZATION, 5, false, 'affinity-data'),
  f('orgIndustry', 'Industry', ORGANIZATION, 2, true, 'affinity-data'),
  f('orgLinkedinUrl', 'LinkedIn URL', ORGANIZATION, 6, false, 'affinity-data'),
  f('orgPhoneNumber', 'Phone Number', ORGANIZATION, 2, true, 'affinity-data'),
  f('orgSourceOfIntroduction', 'Source of Introduction', ORGANIZATION, 0, false, 'none'),
  // Affinity Data
  f('orgDescription', 'Description', ORGANIZATION, 6, false, 'affinity-data'),
  f('orgYearFounded', 'Year Founded', ORGANIZATION, 3, false, 'affinity-data'),
  f('orgEmployees', 'Number of Employees', ORGANIZATION, 3, false, 'affinity-data'),
  // Crunchbase Data
  f('orgCrunchbaseFunding', 'Total Funding Amount (USD)', ORGANIZATION, 3, false, 'crunchbase'),
  f('orgCrunchbaseInvestors', 'Investors', ORGANIZATION, 2, true, 'crunchbase'),
  // Pitchbook Data
  f('orgPitchbookDealType', 'Last Financing Deal Type', ORGANIZATION, 2, false, 'pitchbook'),
  f('orgPitchbookDealSize', 'Last Financing Size', ORGANIZATION, 3, false, 'pitchbook'),
] as const satisfies readonly DefaultFieldSpec[];

export type DefaultFieldKey = (typeof DEFAULT_GLOBAL_FIELDS)[number]['key'];
export type DefaultFieldIds = Record<DefaultFieldKey, number>;

function f<K extends string>(
  key: K,
  name: string,
  entityType: EntityType,
  valueType: ValueType,
  allowsMultiple: boolean,
  enrichmentSource: string,
): DefaultFieldSpec & { key: K } {
  // Only custom (non-enriched) fields of these value types track changes (reference, "Field Value Changes").
  const trackable = allowsMultiple ? [0, 1, 3, 5] : [0, 1, 3, 4, 5, 7];
  const trackChanges = enrichmentSource === 'none' && trackable.includes(valueType);
  return { key, name, entityType, valueType, allowsMultiple, enrichmentSource, trackChanges };
}

/** Creates Affinity's default global fields and returns their ids by key. */
export function addDefaultGlobalFields(b: SeedBuilder): DefaultFieldIds {
  const ids = {} as DefaultFieldIds;
  for (const spec of DEFAULT_GLOBAL_FIELDS) {
    ids[spec.key] = b.addField({
      name: spec.name,
      entityType: spec.entityType,
      valueType: spec.valueType,
      allowsMultiple: spec.allowsMultiple,
      trackChanges: spec.trackChanges,
      enrichmentSource: spec.enrichmentSource,
    }).id;
  }
  return ids;
}
