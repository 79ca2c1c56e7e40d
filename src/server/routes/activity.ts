import { z } from 'zod';
import {
  getRun,
  listRunRecords,
  listRuns,
  listRunsInput,
  runDetail,
  runList,
  runRecords,
  runRecordsInput,
} from '../../app/activity.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('the run id') });
const tags = ['activity'];

/** `/api/runs`: the activity log — runs, their steps and counts, their record-level outcomes. */
export const activityRoutes: Routes = async (app) => {
  app.get(
    '/runs',
    {
      schema: {
        tags,
        summary: 'Runs, newest first, filtered by kind, status, trigger, connection and start time, paged',
        querystring: listRunsInput.omit({ failed: true }).extend({
          failed: z
            .enum(['true', 'false'])
            .default('false')
            .describe('only runs that did not do all their work (failed, partial, stopped, interrupted)'),
        }),
        response: { 200: runList, ...errorResponses() },
      },
    },
    async (request) => {
      const { failed, ...rest } = request.query;
      return listRuns(ctxOf(request), { ...rest, failed: failed === 'true' });
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags,
        summary: 'One run: status, counts, API calls, 429s, its steps and the current one, times, error',
        params: idParams,
        response: { 200: runDetail, ...errorResponses(404) },
      },
    },
    async (request) => getRun(ctxOf(request), { runId: request.params.id }),
  );

  app.get(
    '/runs/:id/records',
    {
      schema: {
        tags,
        summary:
          "A run's record-level outcomes, failed first (with Affinity's message), filtered by outcome or step, paged",
        params: idParams,
        querystring: runRecordsInput.omit({ runId: true }),
        response: { 200: runRecords, ...errorResponses(404) },
      },
    },
    async (request) => listRunRecords(ctxOf(request), { ...request.query, runId: request.params.id }),
  );
};
