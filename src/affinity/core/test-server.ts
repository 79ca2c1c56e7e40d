import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small real HTTP server for testing clients: it answers a scripted sequence of replies (or a
 * responder function) and records every request with its arrival time, so tests can assert on
 * order, rate and concurrency as the server saw them.
 */

export interface ScriptedReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** Raw body; give `content-type` in `headers` if it matters. */
  text?: string;
  /** Hold the answer this long (server-side timer). */
  delayMs?: number;
  /** Never answer: the client must give up (the connection is closed with the server). */
  hang?: boolean;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the request arrived (same clock as the client's default). */
  arrivedAt: number;
}

export type Responder = (req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  readonly requests: RecordedRequest[];
  /** Requests being handled right now / the most ever handled at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Resolves once `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /** Reply once the script is used up (default: a 599 naming the problem, so tests fail loudly). */
  fallback?: ScriptedReply;
}

/**
 * Starts a server on 127.0.0.1, port 0. With an array, the n-th request gets the n-th reply;
 * with a function, every request gets what it returns.
 */
export async function startScriptedServer(
  script: ScriptedReply[] | Responder,
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fallback: ScriptedReply = options.fallback ?? {
    status: 599,
    json: { message: 'scripted server: script exhausted' },
  };

  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const parsed = new URL(url, 'http://localhost');
      const recorded: RecordedRequest = {
        index: requests.length,
        method: req.method ?? 'GET',
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        arrivedAt,
      };
      requests.push(recorded);
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      const replyOrPromise = Array.isArray(script) ? (script[recorded.index] ?? fallback) : script(recorded);
      void Promise.resolve(replyOrPromise).then(async (reply) => {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (reply.hang) return;
        if (reply.destroy) {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = { ...(reply.headers ?? {}) };
        let body = '';
        if (reply.json !== undefined) {
          body = JSON.stringify(reply.json);
          headers['content-type'] ??= 'application/json';
        } else if (reply.text !== undefined) {
          body = reply.text;
        }
        res.writeHead(reply.status ?? 200, headers);
        res.end(body);
      });
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    waitForRequests(n: number) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** A virtual clock: `sleep` advances `now` at once and records the wait. */
export interface VirtualClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Every wait asked for, in order. */
  readonly waits: number[];
}

/**
 * Virtual time for transports and governors: waits are recorded, never spent. Time moves only
 * when a sleeper resumes (after everything already runnable has run), to that sleeper's deadline,
 * earliest deadline first — so code observes the same order of events as with real timers.
 */
export function virtualClock(start = 0): VirtualClock {
  let t = start;
  const waits: number[] = [];
  const pending: Array<{ at: number; resolve: () => void }> = [];
  const advance = () => {
    const next = pending.shift();
    if (!next) return;
    t = Math.max(t, next.at);
    next.resolve();
  };
  return {
    now: () => t,
    sleep: (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => {
        pending.push({ at: t + ms, resolve });
        pending.sort((a, b) => a.at - b.at);
        setImmediate(advance);
      });
    },
    waits,
  };
}
