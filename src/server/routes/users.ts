import { z } from 'zod';
import {
  apiTokenView,
  createApiToken,
  createdApiToken,
  createUser,
  createUserInput,
  endSessions,
  listApiTokens,
  listUsers,
  passwordSchema,
  removeUser,
  revokeApiToken,
  roleSchema,
  setPassword,
  setUserRole,
  type UserView,
  userView,
} from '../../app/users.js';
import { ctxOf, type Routes } from '../context.js';
import { errorResponses } from '../errors.js';

const idParams = z.object({ id: z.coerce.number().int().positive() });

const userPatch = z
  .object({ role: roleSchema.optional(), password: passwordSchema.optional() })
  .refine((b) => b.role !== undefined || b.password !== undefined, {
    message: 'send role (admin or member) or password',
  });

/** The team (admins add, change and remove people; anyone signed in reads it) and API tokens. */
export const usersRoutes: Routes = async (app) => {
  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'The team; `admin` marks admins',
        response: { 200: z.object({ users: z.array(userView) }), ...errorResponses() },
      },
    },
    async (request) => ({ users: await listUsers(ctxOf(request)) }),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Add someone to the team (admin)',
        body: createUserInput,
        response: { 201: userView, ...errorResponses(403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await createUser(ctxOf(request), request.body)),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: "Change someone's role or set their password (admin); never demotes the last admin",
        params: idParams,
        body: userPatch,
        response: { 200: userView, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const ctx = ctxOf(request);
      const user = request.params.id;
      const { role, password } = request.body;
      let result: UserView | undefined;
      if (role !== undefined) result = await setUserRole(ctx, { user, role });
      if (password !== undefined) {
        // One's own needs the current password: setPassword refuses it without, naming that field.
        result = await setPassword(ctx, { user, password });
      }
      return result!;
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Remove someone with their sessions and tokens (admin); never the last admin or oneself',
        params: idParams,
        response: { 200: userView, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => removeUser(ctxOf(request), { user: request.params.id }),
  );

  app.delete(
    '/users/:id/sessions',
    {
      schema: {
        tags: ['users'],
        summary: 'Sign someone out everywhere (admin, or oneself)',
        params: idParams,
        response: { 200: z.object({ revoked: z.number().int() }), ...errorResponses(403, 404) },
      },
    },
    async (request) => ({ revoked: await endSessions(ctxOf(request), { user: request.params.id }) }),
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: "One's API tokens (an admin may name another user); never the tokens themselves",
        querystring: z.object({ userId: z.coerce.number().int().positive().optional() }),
        response: { 200: z.object({ tokens: z.array(apiTokenView) }), ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const { userId } = request.query;
      return { tokens: await listApiTokens(ctxOf(request), userId === undefined ? {} : { user: userId }) };
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Make an API token (shown in this answer only) for `Authorization: Bearer`',
        body: z.object({
          name: z.string().max(200),
          expiresInDays: z.number().int().min(1).max(3650).optional(),
          /** Whose token; an admin may name another user. */
          userId: z.number().int().positive().optional(),
        }),
        response: { 201: createdApiToken, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const { name, expiresInDays, userId } = request.body;
      const created = await createApiToken(ctxOf(request), {
        name,
        ...(expiresInDays === undefined ? {} : { expiresInDays }),
        ...(userId === undefined ? {} : { user: userId }),
      });
      return reply.code(201).send(created);
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: "Revoke an API token at once (one's own; an admin may revoke anyone's)",
        params: idParams,
        response: { 200: apiTokenView, ...errorResponses(404) },
      },
    },
    async (request) => revokeApiToken(ctxOf(request), { id: request.params.id }),
  );
};
