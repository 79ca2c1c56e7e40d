import type { Command } from 'commander';

/** `affinity-sync schedule`. */
export function registerSchedule(_program: Command): void {}
