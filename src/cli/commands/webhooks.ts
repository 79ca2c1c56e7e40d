import type { Command } from 'commander';

/** `affinity-sync webhooks`. */
export function registerWebhooks(_program: Command): void {}
