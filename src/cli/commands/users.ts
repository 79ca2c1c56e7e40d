import type { Command } from 'commander';

/** `affinity-sync users`. */
export function registerUsers(_program: Command): void {}
