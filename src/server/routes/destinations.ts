import { z } from 'zod';
import {
  changeDestination,
  checkDestinationInput,
  destinationChangeBody,
  destinationChangeResult,
  destinationCheckResult,
  destinationsResult,
  getDestinationResult,
  removeDestination,
  removeDestinationResult,
  showDestination,
  showDestinations,
  unmapFields,
  unmapInput,
} from '../../app/destinations.js';
import { entityKinds } from '../../sync/mapping.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['destinations'];
const entityParams = z.object({
  entity: z.enum(entityKinds as ['company', 'person', 'investor']).describe('Our entity kind'),
});
const refreshQuery = z.object({
  refresh: z
    .enum(['true', 'false'])
    .optional()
    .describe("true: check against Affinity's fields as they are now, not the cached ones"),
});

/**
 * `/api/destinations`: where each entity kind goes in Affinity. Reading and checking a change is
 * for everyone signed in; changing, unmapping and removing for admins.
 */
export const destinationsRoutes: Routes = async (app) => {
  app.get(
    '/destinations',
    {
      schema: {
        tags,
        summary: 'Every destination, each mapping checked against the workspace, and the data points',
        querystring: refreshQuery,
        response: { 200: destinationsResult, ...errorResponses(409, 503) },
      },
    },
    async (request) => showDestinations(ctxOf(request), { refresh: request.query.refresh === 'true' }),
  );

  app.get(
    '/destinations/:entity',
    {
      schema: {
        tags,
        summary: "One entity kind's destination, checked against the workspace",
        params: entityParams,
        querystring: refreshQuery,
        response: { 200: getDestinationResult, ...errorResponses(404, 409, 503) },
      },
    },
    async (request) =>
      showDestination(ctxOf(request), {
        entity: request.params.entity,
        refresh: request.query.refresh === 'true',
      }),
  );

  app.put(
    '/destinations/:entity',
    {
      schema: {
        tags,
        summary: 'Set the whole destination: what is not given takes its default (admins)',
        params: entityParams,
        body: destinationChangeBody.required({ recordType: true }),
        response: { 200: destinationChangeResult, ...errorResponses(403, 409, 503) },
      },
    },
    async (request) =>
      changeDestination(ctxOf(request), { ...request.body, entity: request.params.entity, replace: true }),
  );

  app.patch(
    '/destinations/:entity',
    {
      schema: {
        tags,
        summary: 'Change a destination: what is given changes, the rest is kept (admins)',
        params: entityParams,
        body: destinationChangeBody,
        response: { 200: destinationChangeResult, ...errorResponses(403, 409, 503) },
      },
    },
    async (request) => changeDestination(ctxOf(request), { ...request.body, entity: request.params.entity }),
  );

  app.post(
    '/destinations/:entity/check',
    {
      schema: {
        tags,
        summary: 'Check a change without saving it: each incompatible mapping with its reason',
        params: entityParams,
        body: destinationChangeBody.extend({
          replace: z.boolean().optional().describe('Check it as PUT would (true) or as PATCH would'),
        }),
        response: { 200: destinationCheckResult, ...errorResponses(409, 503) },
      },
    },
    async (request) =>
      checkDestinationInput(ctxOf(request), { ...request.body, entity: request.params.entity }),
  );

  app.post(
    '/destinations/:entity/unmap',
    {
      schema: {
        tags,
        summary: 'Remove the mappings of some data points, keeping the rest (admins)',
        params: entityParams,
        body: unmapInput.pick({ sources: true }),
        response: { 200: destinationChangeResult, ...errorResponses(403, 409) },
      },
    },
    async (request) =>
      unmapFields(ctxOf(request), { entity: request.params.entity, sources: request.body.sources }),
  );

  app.delete(
    '/destinations/:entity',
    {
      schema: {
        tags,
        summary: 'Remove a destination: its records are no longer pushed (admins)',
        params: entityParams,
        response: { 200: removeDestinationResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => removeDestination(ctxOf(request), { entity: request.params.entity }),
  );
};
