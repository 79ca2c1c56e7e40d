/**
 * The Affinity v1 emulator: a stateful local server faithful to the v1 API, for testing, demos
 * and benchmarks without a production CRM.
 */
export { Core, isWorkspaceJson, type WorkspaceJson } from './core.js';
export type { EmulatorCore, ResourceModule, RouteDef } from './framework.js';
export type { Seed, SeedBuilder } from './seed-builder.js';
export {
  type EmulatorConfig,
  type EmulatorOptions,
  type EmulatorStats,
  type RouteStat,
  type RunningEmulator,
  startEmulator,
  workspaceCounts,
} from './server.js';
export { createSeedBuilder, DEFAULT_API_KEY, type SeedInput } from './workspace.js';
export { checkWorkspace, InvalidWorkspaceError, type WorkspaceCheck } from './workspace-schema.js';
