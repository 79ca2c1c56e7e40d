import {
  estimatePull,
  estimatePullResult,
  getPullSources,
  pullInput,
  pullSourcesResult,
  setPullSources,
  setPullSourcesInput,
  startPull,
  startPullResult,
} from '../../app/pull.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['pull'];

/** `/api/pull`: pull sources (admins change them), a pull's cost, and a pull queued as a job. */
export const pullRoutes: Routes = async (app) => {
  app.get(
    '/pull/sources',
    {
      schema: {
        tags,
        summary: 'The pull sources: the Affinity lists a pull takes when it names none',
        response: { 200: pullSourcesResult, ...errorResponses(409) },
      },
    },
    async (request) => getPullSources(ctxOf(request)),
  );

  app.put(
    '/pull/sources',
    {
      schema: {
        tags,
        summary:
          'Replace the pull sources (lists by id or name, each with or without field values); admins only',
        body: setPullSourcesInput,
        response: { 200: pullSourcesResult, ...errorResponses(403, 409, 503) },
      },
    },
    async (request) => setPullSources(ctxOf(request), request.body),
  );

  app.post(
    '/pull/estimate',
    {
      schema: {
        tags,
        summary: "A pull's cost before it runs: the lists, their sizes and the calls, from one GET /lists",
        body: pullInput,
        response: { 200: estimatePullResult, ...errorResponses(409, 503) },
      },
    },
    async (request) => {
      const { connection: _connection, ...estimate } = await estimatePull(ctxOf(request), request.body);
      return estimate;
    },
  );

  app.post(
    '/pull',
    {
      schema: {
        tags,
        summary: 'Queue a pull as a job: answers 202 with its run, queued in activity',
        body: pullInput,
        response: { 202: startPullResult, ...errorResponses(409, 503) },
      },
    },
    async (request, reply) => reply.code(202).send(await startPull(ctxOf(request), request.body)),
  );
};
