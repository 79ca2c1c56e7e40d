import type { Command } from 'commander';
import {
  listDeliveries,
  listWebhooks,
  removeWebhook,
  rotateWebhook,
  subscribeWebhook,
  type WebhookSlot,
} from '../../app/webhooks.js';
import { output, withApp } from '../context.js';

function slotLine(s: WebhookSlot): string {
  const who = s.ours
    ? `ours (webhook ${s.webhookId})`
    : `someone else's (Affinity user ${s.affinityCreatedBy ?? '?'})`;
  const state = s.missing ? ' — gone at Affinity' : s.disabled ? ' — disabled' : '';
  const events = s.events.length === 0 ? 'all events' : `${s.events.length} events`;
  return `  #${s.subscriptionId ?? '-'}  ${who}  ${s.url ?? ''}  ${events}${state}`;
}

/** `affinity-sync webhooks list|subscribe|rotate|remove|deliveries`: near-real-time pulls. */
export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description(
      'Affinity webhooks: near-real-time pulls of the pulled lists (3 subscriptions per instance)',
    );
  webhooks
    .command('list', { isDefault: true })
    .description("the instance's webhook subscriptions: ours and others'")
    .action(async (_flags, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const result = await listWebhooks(ctx);
        output(cmd, { ok: true, ...result }, () =>
          [
            `webhook subscriptions (${result.limit - result.free} of ${result.limit} taken):`,
            ...result.slots.map(slotLine),
            ...(result.note ? [result.note] : []),
          ].join('\n'),
        );
      });
    });
  webhooks
    .command('subscribe')
    .description('subscribe this server’s receiver for the events a pull needs')
    .option(
      '--public-url <url>',
      'the server’s public base URL Affinity can reach (default http://HOST:PORT)',
    )
    .action(async (flags: { publicUrl?: string }, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const result = await subscribeWebhook(ctx, flags.publicUrl ? { publicUrl: flags.publicUrl } : {});
        output(cmd, { ok: true, ...result }, () =>
          [
            `subscribed: webhook ${result.webhookId} (Affinity #${result.subscriptionId}), ${result.events.length} events`,
            `receiver URL (shown once): ${result.receiverUrl}`,
          ].join('\n'),
        );
      });
    });
  webhooks
    .command('rotate')
    .description('a new secret for the receiver URL; the old URL stops answering at once')
    .argument('[id]', 'our webhook id (default: our only one)')
    .action(async (id: string | undefined, _flags, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const result = await rotateWebhook(ctx, { id: await ourId(ctx, id) });
        output(
          cmd,
          { ok: true, ...result },
          () => `rotated webhook ${result.webhookId}: new receiver URL (shown once): ${result.receiverUrl}`,
        );
      });
    });
  webhooks
    .command('remove')
    .description('delete our subscription at Affinity and here')
    .argument('[id]', 'our webhook id (default: our only one)')
    .action(async (id: string | undefined, _flags, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const result = await removeWebhook(ctx, { id: await ourId(ctx, id) });
        output(
          cmd,
          { ok: true, ...result },
          () =>
            `removed webhook ${result.webhookId}${result.deletedAtAffinity ? ` (Affinity #${result.subscriptionId} deleted)` : ' (it was already gone at Affinity)'}`,
        );
      });
    });
  webhooks
    .command('deliveries')
    .description('deliveries received, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--status <status>', 'queued | processed | ignored | failed')
    .action(async (flags: { limit: string; status?: string }, cmd: Command) => {
      await withApp(cmd, async (ctx) => {
        const result = await listDeliveries(ctx, {
          limit: Number(flags.limit),
          ...(flags.status ? { status: flags.status as 'queued' } : {}),
        });
        output(cmd, { ok: true, ...result }, () =>
          [
            `${result.total} deliveries`,
            ...result.deliveries.map(
              (d) =>
                `  ${d.id}  ${d.receivedAt}  ${d.type}  ${d.status}  ${d.apiCalls} calls${d.error ? `  ${d.error}` : ''}`,
            ),
          ].join('\n'),
        );
      });
    });
}

async function ourId(ctx: Parameters<typeof listWebhooks>[0], id: string | undefined): Promise<number> {
  if (id !== undefined) return Number(id);
  const ours = (await listWebhooks(ctx)).slots.filter((s) => s.ours && s.webhookId !== null);
  if (ours.length === 1) return ours[0]!.webhookId as number;
  const { AppError } = await import('../../app/context.js');
  throw new AppError(
    ours.length === 0 ? 'not_found' : 'bad_request',
    ours.length === 0
      ? 'this server has no webhook subscription'
      : 'name the webhook id (see `webhooks list`)',
  );
}
