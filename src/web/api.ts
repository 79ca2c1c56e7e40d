/**
 * The one way the UI talks to the server: JSON over `/api` with the session cookie, the CSRF token
 * on every write, and every refusal turned into an `ApiError` carrying the API's own
 * `{code, message, details}` so a screen can show what went wrong and which field.
 */

/** One problem with a request, as the API names it (`apiKey`, `mappings.0.field`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A refusal of the API: its status, its stable `code`, a message for people and its details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field problems of a 400 (`details.issues` as `[{field, message}]`), else none. */
  get fields(): FieldIssue[] {
    const issues = (this.details as { issues?: unknown } | null)?.issues;
    return Array.isArray(issues) ? issues.filter(isFieldIssue) : [];
  }

  /** The message for one field, to show under its input. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }
}

function isFieldIssue(x: unknown): x is FieldIssue {
  return !!x && typeof x === 'object' && typeof (x as FieldIssue).field === 'string';
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (from sign-in, setup or `GET /api/auth/me`). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export type Query = Record<
  string,
  string | number | boolean | null | undefined | readonly (string | number)[]
>;

/** `path` with the defined values of `query` as its query string (arrays repeat the key). */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    throw new ApiError(
      0,
      'network',
      `the server did not answer (${err instanceof Error ? err.message : String(err)}): is it running?`,
      null,
      null,
    );
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const apiError = new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `the server answered ${response.status} ${response.statusText}`,
    error?.details ?? null,
    response.headers.get('x-request-id'),
  );
  // A session renewed elsewhere (another tab signed in again): fetch its token once and retry.
  if (apiError.code === 'csrf' && !retried) {
    const me = await send<{ csrfToken?: string }>('GET', '/auth/me').catch(() => null);
    if (me?.csrfToken) {
      csrfToken = me.csrfToken;
      return send<T>(method, path, body, true);
    }
  }
  if (apiError.status === 401) onUnauthorized?.(apiError);
  throw apiError;
}

let onUnauthorized: ((error: ApiError) => void) | undefined;

/** Called on every 401 (the session ended): the app sends the person to sign in. */
export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export const api = {
  get: <T>(path: string, query?: Query) => send<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => send<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => send<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => send<T>('PATCH', path, body ?? {}),
  del: <T>(path: string, body?: unknown) => send<T>('DELETE', path, body),
};

/** A message a person can act on, for any error a query or mutation threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
