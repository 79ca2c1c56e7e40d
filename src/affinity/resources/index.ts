/** One class per Affinity v1 resource; each sends its requests through a `Transport`. */
export * from './arguments.js';
export * from './entity-files.js';
export * from './field-value-changes.js';
export * from './field-values.js';
export * from './fields.js';
export * from './interactions.js';
export * from './list-entries.js';
export * from './lists.js';
export * from './notes.js';
export * from './opportunities.js';
export * from './organizations.js';
export * from './persons.js';
export * from './rate-limit.js';
export * from './relationship-strengths.js';
export * from './reminders.js';
export type { EntitySearchParams, InteractionDateFilters } from './search.js';
export * from './webhooks.js';
export * from './whoami.js';
