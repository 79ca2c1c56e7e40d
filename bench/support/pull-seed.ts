import type { Seed } from '../../src/emulator/index.js';

export const ORGS = 10_000;
export const PERSONS = 10_000;
export const KEY = 'bench-pull-key';
/**
 * Keys of the concurrent-pull settings. A client's governor is one per API key in a process: each
 * setting needs a key of its own for its limit to be the one applied.
 */
export const SETTING_KEYS = { scaled: 'bench-pull-key-scaled', affinity: 'bench-pull-key-affinity' } as const;

/** A workspace with a 10k-organization list (one global value each) and a 10k-person list. */
export const seed: Seed = (b) => {
  const owner = b.addUser({ firstName: 'Bench', lastName: 'Pull', email: 'pull@bench.dev', apiKey: KEY });
  for (const [name, apiKey] of Object.entries(SETTING_KEYS))
    b.addUser({ firstName: 'Bench', lastName: name, email: `pull-${name}@bench.dev`, apiKey });
  const orgList = b.addList({ name: 'Big Organizations', type: 1, public: true, ownerId: owner });
  const personList = b.addList({ name: 'Big Persons', type: 0, public: true, ownerId: owner });
  const stage = b.addField({ name: 'Stage', entityType: 1, valueType: 2 });
  const score = b.addField({ name: 'Score', entityType: 1, valueType: 3, listId: orgList });
  for (let i = 0; i < ORGS; i++) {
    const id = b.addOrganization({ name: `Bench Org ${i}`, domain: `bench-org-${i}.com` });
    const entry = b.addListEntry({ listId: orgList, entityId: id });
    b.addFieldValue({ fieldId: stage.id, entityId: id, value: i % 2 === 0 ? 'Seed' : 'Series A' });
    b.addFieldValue({ fieldId: score.id, entityId: id, listEntryId: entry, value: i % 100 });
  }
  for (let i = 0; i < PERSONS; i++) {
    const id = b.addPerson({
      firstName: 'Bench',
      lastName: `Person ${i}`,
      emails: [`person${i}@bench-org-${i}.com`],
    });
    b.addListEntry({ listId: personList, entityId: id });
  }
};
