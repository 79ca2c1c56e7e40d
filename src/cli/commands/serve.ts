import type { Command } from 'commander';

/** `affinity-sync serve`. */
export function registerServe(_program: Command): void {}
