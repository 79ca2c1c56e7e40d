import { z } from 'zod';
import { autoPushTarget, setAutoPush } from '../../app/auto-push.js';
import {
  createSavedSearch,
  createSavedSearchInput,
  deleteSavedSearch,
  getSavedSearch,
  listSavedSearches,
  runSavedSearch,
  savedSearchList,
  savedSearchRun,
  savedSearchSaved,
  savedSearchSchema,
  searchInput,
  searchIntelligence,
  searchResult,
  updateSavedSearch,
  updateSavedSearchInput,
} from '../../app/search.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('the saved search id') });
const flag = z.enum(['true', 'false']);
const page = {
  limit: z.coerce.number().int().min(0).max(1000).default(25),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};
const tags = ['search'];

/** `/api/search` and `/api/saved-searches`: intelligence search, saved searches and their results. */
export const searchRoutes: Routes = async (app) => {
  app.get(
    '/search',
    {
      schema: {
        tags,
        summary: 'Search companies, people or investors: filters, text, sort, one page with the total',
        querystring: searchInput,
        response: { 200: searchResult, ...errorResponses() },
      },
    },
    async (request) => searchIntelligence(ctxOf(request), request.query),
  );

  app.get(
    '/saved-searches',
    {
      schema: {
        tags,
        summary: 'Every saved search, by name',
        response: { 200: savedSearchList, ...errorResponses() },
      },
    },
    async (request) => listSavedSearches(ctxOf(request)),
  );

  app.post(
    '/saved-searches',
    {
      schema: {
        tags,
        summary: 'Save a search under a new name; its current results count as seen',
        body: createSavedSearchInput.omit({ replace: true }),
        response: { 201: savedSearchSaved, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const saved = await createSavedSearch(ctxOf(request), request.body);
      return reply.code(201).send(saved);
    },
  );

  app.get(
    '/saved-searches/:id',
    {
      schema: {
        tags,
        summary: 'One saved search',
        params: idParams,
        response: { 200: savedSearchSchema, ...errorResponses(404) },
      },
    },
    async (request) => getSavedSearch(ctxOf(request), { savedSearch: request.params.id }),
  );

  app.patch(
    '/saved-searches/:id',
    {
      schema: {
        tags,
        summary: 'Rename a saved search or change what it searches (a changed search starts "new" afresh)',
        params: idParams,
        body: updateSavedSearchInput.omit({ savedSearch: true }),
        response: { 200: savedSearchSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => updateSavedSearch(ctxOf(request), { ...request.body, savedSearch: request.params.id }),
  );

  app.delete(
    '/saved-searches/:id',
    {
      schema: {
        tags,
        summary: 'Delete a saved search',
        params: idParams,
        response: { 200: z.object({ deleted: savedSearchSchema }), ...errorResponses(404) },
      },
    },
    async (request) => deleteSavedSearch(ctxOf(request), { savedSearch: request.params.id }),
  );

  app.get(
    '/saved-searches/:id/results',
    {
      schema: {
        tags,
        summary: 'Run a saved search: all its results, or (new=true) only those new since the last check',
        params: idParams,
        querystring: z.object({ new: flag.default('false'), ...page }),
        response: { 200: savedSearchRun, ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      runSavedSearch(ctxOf(request), {
        savedSearch: request.params.id,
        new: request.query.new === 'true',
        limit: request.query.limit,
        offset: request.query.offset,
      }),
  );

  app.post(
    '/saved-searches/:id/check',
    {
      schema: {
        tags,
        summary: 'The results new since the last check, then marked seen (each new result is returned once)',
        params: idParams,
        querystring: z.object({ limit: page.limit }),
        response: { 200: savedSearchRun, ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      runSavedSearch(ctxOf(request), {
        savedSearch: request.params.id,
        new: true,
        markSeen: true,
        limit: request.query.limit,
      }),
  );

  app.put(
    '/saved-searches/:id/auto-push',
    {
      schema: {
        tags,
        summary:
          'Mark the saved search auto-push (or not): after every change to our data, its new results and changed values are pushed to Affinity in one debounced run',
        params: idParams,
        body: z.object({ on: z.boolean() }),
        response: { 200: autoPushTarget, ...errorResponses(404) },
      },
    },
    async (request) =>
      setAutoPush(ctxOf(request), { kind: 'search', ref: request.params.id, on: request.body.on }),
  );
};
