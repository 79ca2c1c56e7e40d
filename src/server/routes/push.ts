import { planPush, planPushResult, pushInput, startPush, startPushResult } from '../../app/push.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['push'];

/** `/api/push`: plan a push (a dry run, nothing written) or queue one as a job. Members may. */
export const pushRoutes: Routes = async (app) => {
  app.post(
    '/push/plan',
    {
      schema: {
        tags,
        summary: 'Plan a push: the exact writes per record and their API-call cost; nothing is written',
        body: pushInput.omit({ dryRun: true }),
        response: { 200: planPushResult, ...errorResponses(409, 503) },
      },
    },
    async (request) => planPush(ctxOf(request), request.body),
  );

  app.post(
    '/push',
    {
      schema: {
        tags,
        summary:
          'Queue a push as a job: answers 202 with its run, queued in activity; follow it at /api/runs/{id}/events',
        body: pushInput.omit({ dryRun: true }),
        response: { 202: startPushResult, ...errorResponses(409, 503) },
      },
    },
    async (request, reply) => reply.code(202).send(await startPush(ctxOf(request), request.body)),
  );
};
