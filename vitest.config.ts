import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Generous: the tests spawn CLI processes and servers on a shared two-core machine, whose load
    // can slow a test several times over; timings belong in benchmarks, never in these limits.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // The machine has two cores; more workers only add contention.
    maxWorkers: 2,
  },
});
