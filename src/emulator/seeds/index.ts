import type { Seed } from '../seed-builder.js';
import { demoSeed } from './demo.js';
import { emptySeed } from './empty.js';

export { DEFAULT_GLOBAL_FIELDS, type DefaultFieldKey } from './default-fields.js';
export { DEMO_ANCHOR, type DemoWorkspaceFacts, demoWorkspaceFacts } from './demo.js';
export { EMPTY_OWNER } from './empty.js';

/** The named seeds the emulator can start from. */
export const seeds: Record<'empty' | 'demo', Seed> = { empty: emptySeed, demo: demoSeed };

/** The names accepted by `seeds`, for option parsing. */
export type SeedName = keyof typeof seeds;
