import { z } from 'zod';
import { autoPushTarget, setAutoPush } from '../../app/auto-push.js';
import {
  addListMembers,
  addListMembersInput,
  createList,
  createListInput,
  deleteList,
  getList,
  getListInput,
  listLists,
  listMembersAdded,
  listMembersRemoved,
  listWithMembers,
  removeListMembers,
  removeListMembersInput,
  renameList,
  renameListInput,
  userListSchema,
  userLists,
} from '../../app/lists.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const idParams = z.object({ id: z.coerce.number().int().positive().describe('the list id') });
const tags = ['lists'];

/** `/api/lists`: our own lists of companies, people or investors, and their members. */
export const listsRoutes: Routes = async (app) => {
  app.get(
    '/lists',
    {
      schema: {
        tags,
        summary: 'Every list with its size, by name',
        response: { 200: userLists, ...errorResponses() },
      },
    },
    async (request) => listLists(ctxOf(request)),
  );

  app.post(
    '/lists',
    {
      schema: {
        tags,
        summary: 'Create an empty list of companies, people or investors',
        body: createListInput,
        response: { 201: userListSchema, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await createList(ctxOf(request), request.body)),
  );

  app.get(
    '/lists/:id',
    {
      schema: {
        tags,
        summary: 'A list and one page of its members',
        params: idParams,
        querystring: getListInput.pick({ limit: true, offset: true }),
        response: { 200: listWithMembers, ...errorResponses(404) },
      },
    },
    async (request) => getList(ctxOf(request), { list: request.params.id, ...request.query }),
  );

  app.patch(
    '/lists/:id',
    {
      schema: {
        tags,
        summary: 'Rename a list',
        params: idParams,
        body: renameListInput.omit({ list: true }),
        response: { 200: userListSchema, ...errorResponses(404, 409) },
      },
    },
    async (request) => renameList(ctxOf(request), { list: request.params.id, ...request.body }),
  );

  app.delete(
    '/lists/:id',
    {
      schema: {
        tags,
        summary: 'Delete a list (its members stay in the dataset)',
        params: idParams,
        response: { 200: z.object({ deleted: userListSchema }), ...errorResponses(404) },
      },
    },
    async (request) => deleteList(ctxOf(request), { list: request.params.id }),
  );

  app.post(
    '/lists/:id/members',
    {
      schema: {
        tags,
        summary:
          'Add members by domain, email or LinkedIn URL: all or nothing (400 naming the keys found nowhere) unless skipMissing',
        params: idParams,
        body: addListMembersInput.omit({ list: true }),
        response: { 200: listMembersAdded, ...errorResponses(404) },
      },
    },
    async (request) => addListMembers(ctxOf(request), { list: request.params.id, ...request.body }),
  );

  app.delete(
    '/lists/:id/members',
    {
      schema: {
        tags,
        summary: 'Remove members by domain, email or LinkedIn URL',
        params: idParams,
        body: removeListMembersInput.omit({ list: true }),
        response: { 200: listMembersRemoved, ...errorResponses(404) },
      },
    },
    async (request) => removeListMembers(ctxOf(request), { list: request.params.id, ...request.body }),
  );

  app.put(
    '/lists/:id/auto-push',
    {
      schema: {
        tags,
        summary:
          'Mark the list auto-push (or not): after every change to our data, its new results and changed values are pushed to Affinity in one debounced run',
        params: idParams,
        body: z.object({ on: z.boolean() }),
        response: { 200: autoPushTarget, ...errorResponses(404) },
      },
    },
    async (request) =>
      setAutoPush(ctxOf(request), { kind: 'list', ref: request.params.id, on: request.body.on }),
  );
};
