import {
  AffinityAuthError,
  AffinityQuotaExhaustedError,
  AffinityRateLimitError,
  AffinityUnreachableError,
} from '../affinity/index.js';

/**
 * Why a push or pull stopped before its end: a refused key, an exhausted monthly quota, an
 * Affinity that does not answer, or one that keeps answering 429 after every retry. Running the
 * same command again resumes it.
 */
export interface Stop {
  code: 'auth' | 'quota' | 'unreachable' | 'throttled';
  reason: string;
}

/**
 * The reason a run must stop because Affinity cannot be used now, or null when the error concerns
 * one request only and the run can go on. `what` names the run in the advice to re-run it.
 */
export function stopFor(err: unknown, what: 'push' | 'pull'): Stop | null {
  if (err instanceof AffinityUnreachableError) {
    return {
      code: 'unreachable',
      reason: `${err.message}: run the ${what} again once Affinity answers to resume`,
    };
  }
  if (err instanceof AffinityAuthError) {
    return {
      code: 'auth',
      reason: `Affinity refused the API key (401): reconnect with \`affinity-sync connect\`, then run the ${what} again to resume`,
    };
  }
  if (err instanceof AffinityQuotaExhaustedError) {
    const when = err.resetSeconds !== null ? ` (resets in ${Math.ceil(err.resetSeconds / 3600)} h)` : '';
    return {
      code: 'quota',
      reason: `the account's monthly Affinity API quota is used up${when}: run the ${what} again once it resets to resume`,
    };
  }
  if (err instanceof AffinityRateLimitError) {
    // The client already waited out every Retry-After it was given: going on record by record
    // would only crawl through the same storm.
    return {
      code: 'throttled',
      reason: `Affinity kept answering 429 Too Many Requests after every retry (${err.message}): run the ${what} again later to resume`,
    };
  }
  return null;
}
