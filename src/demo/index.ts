/**
 * The demo universe: the deterministic companies, people and investors from which the emulator's
 * demo workspace and the intelligence demo dataset both take their identities.
 */
export { Rng, WeightedTable } from './random.js';
export {
  buildDemoUniverse,
  DEMO_INDUSTRIES,
  DEMO_STAGES,
  DEMO_UNIVERSE_DEFAULTS,
  type DemoCompany,
  type DemoInvestor,
  type DemoPerson,
  type DemoUniverse,
  demoUniverse,
  isRegistrableDomain,
} from './universe.js';
