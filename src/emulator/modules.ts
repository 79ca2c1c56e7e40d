import type { ResourceModule } from './framework.js';

/**
 * Every resource module the emulator mounts, in the order of the reference.
 * Add one line per module.
 */
export const modules: ResourceModule[] = [];
