import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toAppError } from '../app/errors.js';

/** One problem with a request: the field (`apiKey`, `mappings.0.field`) and what was wrong. */
export const fieldIssue = z.object({ field: z.string(), message: z.string() });

/**
 * Every refusal the API answers: `{"error": {"code", "message", "details"}}`. `code` is a stable
 * word scripts may test (`bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
 * `not_connected`, `busy`, `payload_too_large`, `too_many_requests`, `unavailable`, `internal`);
 * `message` is for people; `details` carries what the code calls for (the fields of a bad request).
 */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof errorBody>;

/**
 * The error answers to declare on a route (OpenAPI): every route may answer 400, 401 and 500; pass
 * the others it may answer too (403 on admin routes, 404, 409…).
 */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<400 | 401 | 500 | S[number], typeof errorBody> {
  const out: Record<number, typeof errorBody> = { 400: errorBody, 401: errorBody, 500: errorBody };
  for (const s of statuses) out[s] = errorBody;
  return out as Record<400 | 401 | 500 | S[number], typeof errorBody>;
}

const codeOfStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** The answer for an error, and whether it is ours to log (a 5xx nobody meant). */
export function errorAnswer(
  err: unknown,
  request?: Pick<FastifyRequest, 'id'>,
): { status: number; body: ErrorBody; internal: boolean } {
  const app = toAppError(err);
  if (app) return answer(app.status, app.code, app.message, app.details);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const issues = err.validation.map((v) => ({
      field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || `(${where})`,
      message: v.message ?? 'invalid',
    }));
    const message = `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
    return answer(400, 'bad_request', message, { in: where, issues });
  }
  const fe = err as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return answer(413, 'payload_too_large', 'the request body is larger than this server accepts');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return answer(400, 'bad_request', 'the request body is not valid JSON');
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return answer(400, 'bad_request', 'the request says it sends JSON but its body is empty');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return answer(415, 'unsupported_media_type', 'send the request body as application/json');
  }
  if (fe.statusCode === 429) {
    return answer(429, 'too_many_requests', fe.message || 'too many requests: wait and try again');
  }
  if (!isResponseSerializationError(err) && typeof fe.statusCode === 'number') {
    const status = fe.statusCode;
    if (status >= 400 && status < 500) {
      return answer(status, codeOfStatus[status] ?? 'bad_request', fe.message ?? 'bad request');
    }
  }
  const id = request?.id ? ` (request ${request.id})` : '';
  return { ...answer(500, 'internal', `internal error${id}`), internal: true };
}

function answer(
  status: number,
  code: string,
  message: string,
  details?: unknown,
): { status: number; body: ErrorBody; internal: boolean } {
  return {
    status,
    body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
    internal: false,
  };
}

/**
 * The server's error handler: every error becomes the one error shape with a fitting status. An
 * error that is not a refusal is logged with its request id and stack, and the client gets only
 * "internal error" and that id.
 */
export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, internal } = errorAnswer(err, request);
  if (internal) request.log.error({ err, reqId: request.id }, 'request failed');
  else if (status >= 500) request.log.warn({ code: body.error.code, reqId: request.id }, body.error.message);
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Unknown routes: 404 in the error shape, naming what was asked. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? request.url;
  return reply
    .code(404)
    .type('application/json; charset=utf-8')
    .send({ error: { code: 'not_found', message: `no route ${request.method} ${path}` } });
}
