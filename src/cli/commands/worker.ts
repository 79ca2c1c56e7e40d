import type { Command } from 'commander';

/** `affinity-sync worker`. */
export function registerWorker(_program: Command): void {}
