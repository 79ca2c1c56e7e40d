import type { Command } from 'commander';

/** `affinity-sync usage`. */
export function registerUsage(_program: Command): void {}
