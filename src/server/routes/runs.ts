import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { cancelRun, cancelRunResult, runProgress } from '../../app/runs.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['runs'];
const params = z.object({ id: z.coerce.number().int().positive().describe('the run id') });

/** How often a progress stream sends a snapshot. */
export const PROGRESS_EVERY_MS = 500;

/**
 * `/api/runs/:id/events` (progress as Server-Sent Events) and `/api/runs/:id/cancel`. The run
 * itself, its steps and records are under `/api/runs/:id` (activity).
 */
export const runsRoutes: Routes = async (app) => {
  let closing = false;
  // Open streams end when the server closes instead of holding it open.
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.get(
    '/runs/:id/events',
    {
      schema: {
        tags,
        summary:
          "A run's progress as Server-Sent Events: `progress` every 0.5 s (status, counts, API calls, current step) until it ends, then one `end`",
        params,
        produces: ['text/event-stream'],
        response: {
          200: z
            .string()
            .describe('text/event-stream of `progress` and `end` events, each a run snapshot in JSON'),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(request);
      const input = { runId: request.params.id };
      // Before the stream opens, so an unknown run is an ordinary 404.
      let snapshot = await runProgress(ctx, input);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let gone = false;
      request.raw.on('close', () => {
        gone = true;
      });
      try {
        for (;;) {
          res.write(`event: ${snapshot.done ? 'end' : 'progress'}\ndata: ${JSON.stringify(snapshot)}\n\n`);
          if (snapshot.done || gone || closing) break;
          await sleep(PROGRESS_EVERY_MS);
          if (gone || closing) break;
          snapshot = await runProgress(ctx, input);
        }
      } catch (err) {
        request.log.error({ err }, 'progress stream failed');
      } finally {
        res.end();
      }
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        tags,
        summary:
          'Cancel a run: a queued one never starts; a running one stops after its writes in flight; both end stopped, resumable',
        params,
        response: { 200: cancelRunResult, ...errorResponses(404) },
      },
    },
    async (request) => cancelRun(ctxOf(request), { runId: request.params.id }),
  );
};
