import { z } from 'zod';
import {
  decideReview,
  listReview,
  reviewDecided,
  reviewDecisionSchema,
  reviewInput,
  reviewResult,
} from '../../app/review.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const query = reviewInput.omit({ list: true }).extend({
  list: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('only records on this pulled Affinity list (id or name)'),
});
const tags = ['review'];

/** `/api/review`: the My CRM records matching could not settle, and the decisions that settle them. */
export const reviewRoutes: Routes = async (app) => {
  app.get(
    '/review',
    {
      schema: {
        tags,
        summary: 'Unmatched and ambiguous My CRM records (ambiguous first, with candidates), paged',
        querystring: query,
        response: { 200: reviewResult, ...errorResponses() },
      },
    },
    async (request) => listReview(ctxOf(request), request.query),
  );

  app.post(
    '/review/:id/decision',
    {
      schema: {
        tags,
        summary:
          'Settle a record for good: link it to a dataset entity (a candidate, by id or key), create the entity from it, or ignore it',
        params: z.object({ id: z.coerce.number().int().positive().describe('the My CRM record id (crmId)') }),
        body: reviewDecisionSchema,
        response: { 200: reviewDecided, ...errorResponses(404, 409) },
      },
    },
    async (request) => decideReview(ctxOf(request), { ...request.body, crmId: request.params.id }),
  );
};
