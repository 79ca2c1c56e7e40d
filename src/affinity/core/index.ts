/**
 * The HTTP core of the Affinity v1 client: transport, rate-limit governor, retries, errors,
 * body parsing, response validation and pagination. Resource methods build on `createTransport`.
 */
export { extractMessages, parseErrorBody, summarizeText } from './body.js';
export {
  AffinityAuthError,
  AffinityConnectionError,
  AffinityError,
  type AffinityErrorInit,
  AffinityForbiddenError,
  AffinityNotFoundError,
  AffinityPaginationError,
  AffinityQuotaExhaustedError,
  AffinityRateLimitError,
  AffinityResponseValidationError,
  AffinityServerError,
  AffinityUnparsableResponseError,
  AffinityUnreachableError,
  AffinityValidationError,
  type ErrorFromResponseInit,
  errorFromResponse,
  type ResponseIssue,
} from './errors.js';
export type { ClientEvent, ClientEventListener, ClientStats } from './events.js';
export { Governor, type GovernorOptions, governorKey, type Lease } from './governor.js';
export { createTransport, type HttpTransport, type TransportOptions } from './http.js';
export { type PaginateOptions, paginate, paginatePages } from './pagination.js';
export { buildUrl, encodeQuery } from './query.js';
export {
  type OrgRateLimit,
  parseRateLimitHeaders,
  parseRetryAfter,
  type RateLimitState,
  type UserRateLimit,
} from './rate-limit-headers.js';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type RateLimitWait,
  type RetryDecision,
  type RetryInput,
  type RetryPolicy,
  rateLimitWait,
  shouldRetry,
} from './retry.js';
export { formatPath, validateResponse } from './validation.js';
