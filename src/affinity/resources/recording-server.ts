import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server for the resource tests: it records every request exactly as it arrived
 * (method, path, raw and parsed query, headers, body bytes) and answers with canned replies
 * registered per route, so a test can assert both what the client sent and how it read the answer.
 */

export interface CannedReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** JSON body; sets `content-type: application/json`. */
  json?: unknown;
  /** Raw body. */
  body?: string | Uint8Array;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** The query string as sent, without `?` (still percent-encoded). */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `content-type` without parameters, or `undefined`. */
  contentType: string | undefined;
  body: Buffer;
  /** The body as UTF-8 text. */
  text: string;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  readonly requests: RecordedRequest[];
  /**
   * Registers replies for `METHOD /path` (exact path, any query). Several replies are used in
   * order, the last one repeating.
   */
  on(method: string, path: string, ...replies: CannedReply[]): void;
  /** The most recent request; throws when none arrived. */
  last(): RecordedRequest;
  /** The body of the most recent request parsed as JSON. */
  lastJson(): unknown;
  close(): Promise<void>;
}

/** Starts a recording server on 127.0.0.1, port 0. Unknown routes answer 599 so tests fail loudly. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, CannedReply[]>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://recording.invalid');
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const contentType = req.headers['content-type']?.split(';')[0]?.trim();
      requests.push({
        method,
        path: url.pathname,
        rawQuery: url.search.replace(/^\?/, ''),
        query: url.searchParams,
        headers: req.headers,
        contentType,
        body,
        text: body.toString('utf8'),
      });
      const key = `${method} ${url.pathname}`;
      const queue = routes.get(key);
      const reply = queue && queue.length > 1 ? queue.shift() : queue?.[0];
      if (reply === undefined) {
        res.writeHead(599, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `recording server: no reply registered for ${key}` }));
        return;
      }
      const headers: Record<string, string> = { ...reply.headers };
      let payload: string | Uint8Array = '';
      if (reply.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = JSON.stringify(reply.json);
      } else if (reply.body !== undefined) {
        payload = reply.body;
      }
      res.writeHead(reply.status ?? 200, headers);
      res.end(payload);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const recorder: RecordingServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, ...replies) {
      if (replies.length === 0) throw new Error('on(): give at least one reply');
      routes.set(`${method.toUpperCase()} ${path}`, [...replies]);
    },
    last() {
      const last = requests.at(-1);
      if (!last) throw new Error('recording server: no request arrived');
      return last;
    },
    lastJson() {
      return JSON.parse(recorder.last().text) as unknown;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
  };
  return recorder;
}
