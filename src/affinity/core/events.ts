import type { HttpMethod } from '../transport.js';

/** What a transport reports while it works, so runs can show API calls, 429s and retries. */
export type ClientEvent =
  | { type: 'request'; endpoint: string; method: HttpMethod; attempt: number }
  | {
      type: 'response';
      endpoint: string;
      method: HttpMethod;
      status: number;
      durationMs: number;
      attempt: number;
    }
  /** An attempt that got no HTTP answer: a network error or a timeout (`error` names which). */
  | {
      type: 'no-response';
      endpoint: string;
      method: HttpMethod;
      error: string;
      durationMs: number;
      attempt: number;
    }
  | { type: 'retry'; endpoint: string; method: HttpMethod; attempt: number; delayMs: number; reason: string }
  | {
      type: 'throttled';
      endpoint: string;
      method: HttpMethod;
      delayMs: number;
      /** `client`: the governor held the request back; `server`: Affinity answered 429. */
      source: 'client' | 'server';
    };

/** Counters of one transport since it was created. */
export interface ClientStats {
  /** HTTP attempts sent (retries included). */
  requests: number;
  /** Answers by status code, e.g. `{"200": 12, "429": 1}`. */
  responsesByStatus: Record<string, number>;
  /** Attempts repeated after a 429, 5xx, timeout or network error. */
  retries: number;
  /** 429 answers received. */
  throttled: number;
  /** Attempts that got no HTTP answer (network error or timeout). */
  networkErrors: number;
  /** Total time spent waiting: governor holds plus retry delays. */
  waitedMs: number;
}

export type ClientEventListener = (e: ClientEvent) => void;

/**
 * A tiny synchronous event hub. A listener that throws must not break a request, so its error is
 * swallowed: observing the client can never change what the client does.
 */
export class EventHub {
  readonly #listeners = new Set<ClientEventListener>();

  /** Subscribes `listener`; the returned function unsubscribes it. */
  on(listener: ClientEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: ClientEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // Observers must not change the outcome of a request.
      }
    }
  }
}

/** Fresh zeroed counters. */
export function emptyStats(): ClientStats {
  return { requests: 0, responsesByStatus: {}, retries: 0, throttled: 0, networkErrors: 0, waitedMs: 0 };
}
