import type { ResourceModule } from './framework.js';
import { entityFilesModule } from './routes/entity-files.js';
import { fieldValueChangesModule } from './routes/field-value-changes.js';
import { fieldValuesModule } from './routes/field-values.js';
import { fieldsModule } from './routes/fields.js';
import { interactionsModule } from './routes/interactions.js';
import { listEntriesModule } from './routes/list-entries.js';
import { listsModule } from './routes/lists.js';
import { notesModule } from './routes/notes.js';
import { opportunitiesModule } from './routes/opportunities.js';
import { organizationsModule } from './routes/organizations.js';
import { personsModule } from './routes/persons.js';
import { relationshipStrengthsModule } from './routes/relationship-strengths.js';
import { remindersModule } from './routes/reminders.js';
import { webhooksModule } from './routes/webhooks.js';
import { whoamiModule } from './routes/whoami.js';

/**
 * Every resource module the emulator mounts, in the order of the reference.
 * Add one line per module.
 */
export const modules: ResourceModule[] = [
  listsModule,
  listEntriesModule,
  fieldsModule,
  fieldValuesModule,
  fieldValueChangesModule,
  personsModule,
  organizationsModule,
  opportunitiesModule,
  interactionsModule,
  relationshipStrengthsModule,
  notesModule,
  entityFilesModule,
  remindersModule,
  webhooksModule,
  whoamiModule,
];
