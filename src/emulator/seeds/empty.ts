import type { Seed } from '../seed-builder.js';
import { addDefaultGlobalFields } from './default-fields.js';

/** The one user of the empty workspace: the owner of the API key. */
export const EMPTY_OWNER = { firstName: 'Jordan', lastName: 'Ellis', email: 'jordan@lakeshore.vc' } as const;

/** A fresh Affinity instance: its owner and Affinity's default global fields, nothing else. */
export const emptySeed: Seed = (b) => {
  b.addUser({ ...EMPTY_OWNER });
  addDefaultGlobalFields(b);
};
