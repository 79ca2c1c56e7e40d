import type { z } from 'zod';

/**
 * The contract between the resource methods (`resources/*.ts`) and the HTTP core (`http.ts`).
 * Resources describe a request; the core sends it through the rate-limit governor, retries what
 * is safe to retry, parses the body and validates it with `schema`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;

export interface RequestSpec<S extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Path with ids substituted, e.g. `/lists/12/list-entries`. */
  path: string;
  /** Route template used in errors, stats and events, e.g. `GET /lists/{list_id}/list-entries`. */
  endpoint: string;
  /** Query parameters; `undefined`/`null` are dropped, arrays repeat as `key[]=a&key[]=b`. */
  query?: Record<string, QueryValue>;
  /** JSON body. */
  json?: unknown;
  /**
   * `application/x-www-form-urlencoded` body (Affinity accepts form bodies as well as JSON);
   * encoded like the query: arrays repeat as `key[]=a&key[]=b`.
   */
  form?: Record<string, QueryValue>;
  /** `multipart/form-data` body (entity file uploads). */
  multipart?: FormData;
  /** Response schema; validation is lenient (unknown keys pass) and errors name endpoint and path. */
  schema: S;
  /**
   * Whether repeating the request is harmless. Defaults: GET/PUT/DELETE true, POST false.
   * Non-idempotent requests are retried only on 429 (which Affinity answers before doing anything).
   */
  idempotent?: boolean;
}

export interface RawRequestSpec extends Omit<RequestSpec, 'schema'> {
  /** `manual` returns 3xx responses instead of following them. */
  redirect?: 'follow' | 'manual';
}

export interface Transport {
  /** Sends a request and returns its validated JSON body. Throws an `AffinityError` subclass. */
  request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>>;
  /** Sends a request and returns the raw response (for downloads). Non-2xx/3xx still throw. */
  requestRaw(spec: RawRequestSpec): Promise<Response>;
}

/** One page of a paginated endpoint, normalised. */
export interface Page<T> {
  items: T[];
  /** `null` or absent on the last page. */
  nextPageToken: string | null | undefined;
}
