import type { z } from 'zod';
import type { HttpMethod } from '../transport.js';
import { AffinityResponseValidationError, type ResponseIssue } from './errors.js';

/** `list_entries[3].created_at`; `(body)` for the root. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += /^[A-Za-z_$][\w$]*$/.test(name) ? (out === '' ? name : `.${name}`) : `[${JSON.stringify(name)}]`;
    }
  }
  return out === '' ? '(body)' : out;
}

/** `null`, `array`, `string`, `number`… as a reader would name them. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined (missing)';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** One zod issue as `expected string, got number`, or zod's own message for other kinds. */
function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'invalid_type') {
    return `expected ${issue.expected}, got ${describeType(valueAt(data, issue.path))}`;
  }
  return issue.message;
}

/**
 * Validates a response body with the endpoint's schema. Unknown keys are the schema's business
 * (the schemas are loose); this only turns failures into one readable error:
 * `GET /lists/{list_id}: list_entries[3].created_at: expected string, got number`.
 */
export function validateResponse<S extends z.ZodType>(
  schema: S,
  data: unknown,
  ctx: { endpoint: string; method: HttpMethod; status: number; headers?: Headers | undefined },
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: ResponseIssue[] = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: describeIssue(issue, data),
  }));
  const shown = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return throwValidation(ctx, issues, `${ctx.endpoint}: ${shown.join('; ')}${more}`, data);
}

function throwValidation(
  ctx: { endpoint: string; method: HttpMethod; status: number; headers?: Headers | undefined },
  issues: ResponseIssue[],
  message: string,
  body: unknown,
): never {
  throw new AffinityResponseValidationError({
    message,
    endpoint: ctx.endpoint,
    method: ctx.method,
    status: ctx.status,
    headers: ctx.headers,
    body,
    issues,
  });
}
