/**
 * The whole database schema. drizzle-kit reads this file (see `drizzle.config.ts`); each module's
 * tables live in their own file here and are re-exported below.
 */

export * from './crm.js';
export * from './intelligence.js';
export * from './push.js';
export * from './sync.js';
export * from './users.js';
export * from './workspace.js';
