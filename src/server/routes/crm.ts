import { z } from 'zod';
import { crmInput, crmResult, viewCrm } from '../../app/crm.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const query = crmInput.omit({ list: true, signals: true }).extend({
  list: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('only records on this pulled Affinity list (id or name)'),
  signals: z
    .enum(['true', 'false'])
    .default('true')
    .describe("each record's company headcount and web-visit series, for charts"),
});

/** `/api/crm`: My CRM, the growth-ranked view of the records pulled from Affinity. */
export const crmRoutes: Routes = async (app) => {
  app.get(
    '/crm',
    {
      schema: {
        tags: ['crm'],
        summary:
          "My CRM ranked by growth (or name, funding), optionally on one pulled list, paged, with each record's signals",
        querystring: query,
        response: { 200: crmResult, ...errorResponses() },
      },
    },
    async (request) => {
      const { signals, ...rest } = request.query;
      return viewCrm(ctxOf(request), { ...rest, signals: signals === 'true' });
    },
  );
};
