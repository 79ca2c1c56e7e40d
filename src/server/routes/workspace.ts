import { z } from 'zod';
import {
  listWorkspaceFields,
  listWorkspaceLists,
  workspaceFieldsInput,
  workspaceFieldsResult,
  workspaceListsResult,
} from '../../app/workspace.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['workspace'];
const refresh = z
  .enum(['true', 'false'])
  .optional()
  .describe('true: read Affinity again instead of the cached answer (up to a minute old)');

/** `/api/workspace`: the connected Affinity workspace's lists and fields, for setup screens. */
export const workspaceRoutes: Routes = async (app) => {
  app.get(
    '/workspace/lists',
    {
      schema: {
        tags,
        summary: 'The lists of the connected workspace: id, name, record type, size, owner, access',
        querystring: z.object({ refresh }),
        response: { 200: workspaceListsResult, ...errorResponses(409, 503) },
      },
    },
    async (request) => listWorkspaceLists(ctxOf(request), { refresh: request.query.refresh === 'true' }),
  );

  app.get(
    '/workspace/fields',
    {
      schema: {
        tags,
        summary: 'The fields with their value types, global or per list, with dropdown options',
        querystring: workspaceFieldsInput.extend({ refresh }),
        response: { 200: workspaceFieldsResult, ...errorResponses(409, 503) },
      },
    },
    async (request) =>
      listWorkspaceFields(ctxOf(request), { ...request.query, refresh: request.query.refresh === 'true' }),
  );
};
