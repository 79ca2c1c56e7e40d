/**
 * Webhook subscriptions (`/webhook`), as the reference describes them: at most three per instance,
 * updatable only by their creator, deletable by their creator or an admin. Every event any module
 * emits is handed to the delivery (`webhook-delivery.ts`), which POSTs it after the response.
 */
import { optBool, optString, optStringArray, pathId } from '../activity-common.js';
import {
  type EmulatorCore,
  forbidden,
  notFound,
  type RequestContext,
  type ResourceModule,
  unprocessable,
} from '../framework.js';
import { tablesOf } from '../model.js';
import {
  closeWebhookDelivery,
  WEBHOOK_EVENT_TYPES,
  WEBHOOKS_TABLE,
  type WebhookSubscriptionRow,
  webhookDeliverer,
} from '../webhook-delivery.js';

/** Affinity's limit of subscriptions per instance. */
export const MAX_WEBHOOK_SUBSCRIPTIONS = 3;

const table = (core: EmulatorCore) => core.table<WebhookSubscriptionRow>(WEBHOOKS_TABLE);

/** The subscription as the API answers it. */
export function renderWebhook(row: WebhookSubscriptionRow): Record<string, unknown> {
  return {
    id: row.id,
    webhook_url: row.webhook_url,
    subscriptions: [...row.subscriptions],
    disabled: row.disabled,
    created_by: row.created_by,
    updated_at: row.updated_at,
  };
}

function validUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw unprocessable('webhook_url is invalid.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw unprocessable('webhook_url is invalid.');
  return value;
}

function validSubscriptions(values: string[]): string[] {
  const unknown = values.filter((v) => !WEBHOOK_EVENT_TYPES.includes(v));
  if (unknown.length > 0) throw unprocessable(`Invalid subscriptions: ${unknown.join(', ')}`);
  return [...new Set(values)];
}

function find(core: EmulatorCore, ctx: RequestContext): WebhookSubscriptionRow {
  const id = pathId(ctx.params, 'webhook_subscription_id');
  const row = id === undefined ? undefined : table(core).get(id);
  if (!row) throw notFound('Webhook subscription');
  return row;
}

/** The instance's admin: the owner of its first API key (the first user added to the workspace). */
function isAdmin(core: EmulatorCore, userId: number): boolean {
  let first: { id: number; person_id: number } | undefined;
  for (const key of tablesOf(core).apiKeys.values()) if (!first || key.id < first.id) first = key;
  return first?.person_id === userId;
}

export const webhooksModule: ResourceModule = {
  name: 'webhooks',
  routes: (core) => [
    {
      method: 'GET',
      path: '/webhook',
      handler: () => table(core).all().map(renderWebhook),
    },
    {
      method: 'GET',
      path: '/webhook/{webhook_subscription_id}',
      handler: (ctx) => renderWebhook(find(core, ctx)),
    },
    {
      method: 'POST',
      path: '/webhook/subscribe',
      handler: (ctx) => {
        const url = optString(ctx.body, 'webhook_url');
        if (url === undefined || url === '') throw unprocessable('webhook_url is required.');
        const subscriptions = validSubscriptions(optStringArray(ctx.body, 'subscriptions') ?? []);
        if (table(core).size >= MAX_WEBHOOK_SUBSCRIPTIONS) {
          throw unprocessable(
            `You can only have up to ${MAX_WEBHOOK_SUBSCRIPTIONS} webhook subscriptions per instance.`,
          );
        }
        const row = table(core).insert({
          id: core.nextId(),
          webhook_url: validUrl(url),
          subscriptions,
          disabled: false,
          created_by: ctx.userId,
          created_at: core.timestamp(),
          updated_at: null,
          consecutive_failures: 0,
        });
        return renderWebhook(row);
      },
    },
    {
      method: 'PUT',
      path: '/webhook/{webhook_subscription_id}',
      handler: (ctx) => {
        const row = find(core, ctx);
        if (row.created_by !== ctx.userId) {
          throw forbidden('A webhook subscription can only be updated by its creator.');
        }
        const url = optString(ctx.body, 'webhook_url');
        const subscriptions = optStringArray(ctx.body, 'subscriptions');
        const disabled = optBool(ctx.body, 'disabled');
        const next = {
          webhook_url: url !== undefined ? validUrl(url) : row.webhook_url,
          subscriptions: subscriptions !== undefined ? validSubscriptions(subscriptions) : row.subscriptions,
        };
        row.webhook_url = next.webhook_url;
        row.subscriptions = next.subscriptions;
        if (disabled !== undefined) {
          // Re-enabling gives a subscription that was switched off for failing a fresh start.
          if (row.disabled && !disabled) row.consecutive_failures = 0;
          row.disabled = disabled;
        }
        row.updated_at = core.timestamp();
        return renderWebhook(row);
      },
    },
    {
      method: 'DELETE',
      path: '/webhook/{webhook_subscription_id}',
      handler: (ctx) => {
        const row = find(core, ctx);
        if (row.created_by !== ctx.userId && !isAdmin(core, ctx.userId)) {
          throw forbidden('A webhook subscription can only be deleted by its creator or an admin.');
        }
        table(core).delete(row.id);
        return { success: true };
      },
    },
  ],
  onEvent: (core, type, body) => webhookDeliverer(core).enqueue(type, body),
  reset: (core) => webhookDeliverer(core).clear(),
  // The framework's hook names no emulator and the server closes each emulator's delivery itself
  // (`closeWebhookDelivery(core)`); only a caller that passes its core stops that delivery here.
  close: (...args: unknown[]) => {
    const core = args[0] as EmulatorCore | undefined;
    return core ? closeWebhookDelivery(core) : undefined;
  },
};
