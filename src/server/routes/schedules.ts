import { z } from 'zod';
import {
  createSchedule,
  createScheduleInput,
  getSchedule,
  listSchedules,
  pauseSchedule,
  removeSchedule,
  removeScheduleResult,
  resumeSchedule,
  runScheduleNow,
  runScheduleNowResult,
  scheduleChanges,
  scheduleIdInput,
  scheduleResult,
  schedulesResult,
  updateSchedule,
} from '../../app/schedules.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const tags = ['schedules'];
const params = scheduleIdInput;

/**
 * `/api/schedules`: pulls and pushes that run by themselves on a cron expression or an interval,
 * in a time zone. Anyone signed in reads them; admins create, edit, pause, resume and remove them.
 */
export const schedulesRoutes: Routes = async (app) => {
  app.get(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'The schedules, each with its cadence, next run and last run',
        response: { 200: schedulesResult, ...errorResponses(409) },
      },
    },
    async (request) => listSchedules(ctxOf(request)),
  );

  app.post(
    '/schedules',
    {
      schema: {
        tags,
        summary:
          'Create a schedule: a pull (the pull sources, or lists) or a push (a saved search, a list, My CRM) on cron or every N minutes, in a time zone; admins only',
        body: createScheduleInput,
        response: { 201: scheduleResult, ...errorResponses(403, 409) },
      },
    },
    async (request, reply) => {
      const schedule = await createSchedule(ctxOf(request), request.body);
      return reply.code(201).send(schedule);
    },
  );

  app.get(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'One schedule',
        params,
        response: { 200: scheduleResult, ...errorResponses(404, 409) },
      },
    },
    async (request) => getSchedule(ctxOf(request), request.params),
  );

  app.patch(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary:
          'Edit a schedule (name, target, cron or intervalMinutes, timezone, paused); a new cadence recomputes the next run; admins only',
        params,
        body: scheduleChanges,
        response: { 200: scheduleResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => updateSchedule(ctxOf(request), { ...request.body, id: request.params.id }),
  );

  app.delete(
    '/schedules/:id',
    {
      schema: {
        tags,
        summary: 'Remove a schedule (its runs stay in activity); admins only',
        params,
        response: { 200: removeScheduleResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => removeSchedule(ctxOf(request), request.params),
  );

  app.post(
    '/schedules/:id/pause',
    {
      schema: {
        tags,
        summary: 'Pause a schedule: it does not fire until resumed; admins only',
        params,
        body: z.object({}).optional(),
        response: { 200: scheduleResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => pauseSchedule(ctxOf(request), request.params),
  );

  app.post(
    '/schedules/:id/resume',
    {
      schema: {
        tags,
        summary:
          'Resume a schedule: it next fires at its next slot from now (missed slots are not made up); admins only',
        params,
        body: z.object({}).optional(),
        response: { 200: scheduleResult, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => resumeSchedule(ctxOf(request), request.params),
  );

  app.post(
    '/schedules/:id/run-now',
    {
      schema: {
        tags,
        summary:
          "Run a schedule's pull or push now as a queued run (its next time unchanged); 409 while its previous run is queued or running; admins only",
        params,
        body: z.object({}).optional(),
        response: { 202: runScheduleNowResult, ...errorResponses(403, 404, 409, 503) },
      },
    },
    async (request, reply) => reply.code(202).send(await runScheduleNow(ctxOf(request), request.params)),
  );
};
