import {
  deliveriesInput,
  deliveriesResult,
  listDeliveries,
  listWebhooks,
  removeWebhook,
  removeWebhookResult,
  rotateWebhook,
  subscribeWebhook,
  subscribeWebhookInput,
  subscribeWebhookResult,
  webhookIdInput,
  webhooksResult,
} from '../../app/webhooks.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['webhooks'];

/**
 * `/api/webhooks`: the instance's webhook subscriptions (ours and others'), subscribing our
 * receiver, rotating its secret, removing it (admins), and the deliveries received.
 */
export const webhooksRoutes: Routes = async (app) => {
  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: "The instance's webhook subscriptions (3 at most): ours, and others' (never changed)",
        response: { 200: webhooksResult, ...errorResponses(409, 503) },
      },
    },
    async (request) => listWebhooks(ctxOf(request)),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary:
          'Subscribe our receiver for the events a pull needs (admins); 409 naming the subscriptions when all 3 are taken',
        body: subscribeWebhookInput.optional(),
        response: { 201: subscribeWebhookResult, ...errorResponses(403, 409, 503) },
      },
    },
    async (request, reply) => {
      const origin = `${request.protocol}://${request.host}`;
      const body = request.body ?? {};
      const result = await subscribeWebhook(ctxOf(request), { publicUrl: body.publicUrl ?? origin });
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/webhooks/deliveries',
    {
      schema: {
        tags,
        summary:
          'Deliveries received, newest first: processed, ignored or failed (with the reason) and the calls spent',
        querystring: deliveriesInput,
        response: { 200: deliveriesResult, ...errorResponses() },
      },
    },
    async (request) => listDeliveries(ctxOf(request), request.query),
  );

  app.post(
    '/webhooks/:id/rotate',
    {
      schema: {
        tags,
        summary: 'A new secret for our receiver URL; the old URL stops answering at once (admins)',
        params: webhookIdInput,
        response: { 200: subscribeWebhookResult, ...errorResponses(403, 404, 409, 503) },
      },
    },
    async (request) => rotateWebhook(ctxOf(request), request.params),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete our subscription at Affinity and here (admins)',
        params: webhookIdInput,
        response: { 200: removeWebhookResult, ...errorResponses(403, 404, 409, 503) },
      },
    },
    async (request) => removeWebhook(ctxOf(request), request.params),
  );
};
