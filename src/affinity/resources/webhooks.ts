import { type SuccessResponse, successSchema, type WebhookEventType } from '../schemas/common.js';
import {
  type WebhookSubscription,
  webhookSubscriptionArraySchema,
  webhookSubscriptionSchema,
} from '../schemas/webhooks.js';
import type { Transport } from '../transport.js';
import { AffinityArgumentError, checkId } from './arguments.js';

/** `POST /webhook/subscribe` payload. No `subscriptions` (or `[]`) means every event. */
export interface CreateWebhookParams {
  webhook_url: string;
  subscriptions?: WebhookEventType[];
}

/** `PUT /webhook/{webhook_subscription_id}` payload (only the creator may update). */
export interface UpdateWebhookParams {
  webhook_url?: string;
  subscriptions?: WebhookEventType[];
  disabled?: boolean;
}

/** Webhook subscriptions (at most three per instance). */
export class WebhooksResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /webhook`: every subscription of the organization. */
  async all(): Promise<WebhookSubscription[]> {
    return this.transport.request({
      method: 'GET',
      path: '/webhook',
      endpoint: 'GET /webhook',
      schema: webhookSubscriptionArraySchema,
      idempotent: true,
    });
  }

  /** `GET /webhook/{webhook_subscription_id}`. */
  async get(subscriptionId: number): Promise<WebhookSubscription> {
    const endpoint = 'GET /webhook/{webhook_subscription_id}';
    return this.transport.request({
      method: 'GET',
      path: `/webhook/${checkId(endpoint, 'webhook_subscription_id', subscriptionId)}`,
      endpoint,
      schema: webhookSubscriptionSchema,
      idempotent: true,
    });
  }

  /** `POST /webhook/subscribe`: Affinity checks the URL answers before creating. */
  async create(params: CreateWebhookParams): Promise<WebhookSubscription> {
    const endpoint = 'POST /webhook/subscribe';
    const body: Record<string, unknown> = { webhook_url: checkUrl(endpoint, params.webhook_url) };
    if (params.subscriptions !== undefined) body.subscriptions = params.subscriptions;
    return this.transport.request({
      method: 'POST',
      path: '/webhook/subscribe',
      endpoint,
      json: body,
      schema: webhookSubscriptionSchema,
      idempotent: false,
    });
  }

  /** `PUT /webhook/{webhook_subscription_id}`: changes URL, events or the disabled flag. */
  async update(subscriptionId: number, params: UpdateWebhookParams): Promise<WebhookSubscription> {
    const endpoint = 'PUT /webhook/{webhook_subscription_id}';
    const body: Record<string, unknown> = {};
    if (params.webhook_url !== undefined) body.webhook_url = checkUrl(endpoint, params.webhook_url);
    if (params.subscriptions !== undefined) body.subscriptions = params.subscriptions;
    if (params.disabled !== undefined) body.disabled = params.disabled;
    return this.transport.request({
      method: 'PUT',
      path: `/webhook/${checkId(endpoint, 'webhook_subscription_id', subscriptionId)}`,
      endpoint,
      json: body,
      schema: webhookSubscriptionSchema,
      idempotent: true,
    });
  }

  /** `DELETE /webhook/{webhook_subscription_id}` (creator or admin only). */
  async delete(subscriptionId: number): Promise<SuccessResponse> {
    const endpoint = 'DELETE /webhook/{webhook_subscription_id}';
    return this.transport.request({
      method: 'DELETE',
      path: `/webhook/${checkId(endpoint, 'webhook_subscription_id', subscriptionId)}`,
      endpoint,
      schema: successSchema,
      idempotent: true,
    });
  }
}

function checkUrl(endpoint: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AffinityArgumentError(endpoint, 'webhook_url', `is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AffinityArgumentError(endpoint, 'webhook_url', 'must be an http(s) URL');
  }
  return url;
}
