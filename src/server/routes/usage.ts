import {
  budgetSettings,
  setBudget,
  setBudgetInput,
  usage,
  usageInput,
  usageResult,
} from '../../app/usage.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['usage'];

/** `/api/usage`: calls used this month against Affinity's monthly quota, and the call budget. */
export const usageRoutes: Routes = async (app) => {
  app.get(
    '/usage',
    {
      schema: {
        tags,
        summary:
          'Calls used in a month (default this one): in total, per trigger and kind, per schedule, per run; the quota left and the budget settings',
        querystring: usageInput,
        response: { 200: usageResult, ...errorResponses(409) },
      },
    },
    async (request) => usage(ctxOf(request), request.query),
  );

  app.put(
    '/usage/budget',
    {
      schema: {
        tags,
        summary:
          "Set the automation share of the monthly quota and the share above which a manual run's plan warns; admins only",
        body: setBudgetInput,
        response: { 200: budgetSettings, ...errorResponses(403, 409) },
      },
    },
    async (request) => setBudget(ctxOf(request), request.body),
  );
};
