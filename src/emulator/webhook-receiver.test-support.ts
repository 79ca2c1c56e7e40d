/**
 * A webhook receiver for tests: a real `node:http` server on port 0 that records every POST and
 * answers with the statuses it is told to, so tests can wait on deliveries instead of sleeping.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  json: { type: string; body: unknown; sent_at: number };
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order; once used up, `fallbackStatus` answers. */
  statuses: number[];
  fallbackStatus: number;
  /** Resolves once `count` requests have arrived in total. */
  waitFor(count: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** Starts a receiver; `fallbackStatus` defaults to 200. */
export async function startReceiver(fallbackStatus = 200): Promise<Receiver> {
  const waiters: Array<{ count: number; resolve: (r: ReceivedWebhook[]) => void }> = [];
  const receiver: Receiver = {
    url: '',
    received: [],
    statuses: [],
    fallbackStatus,
    waitFor(count) {
      if (receiver.received.length >= count) return Promise.resolve(receiver.received.slice(0, count));
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = receiver.statuses.shift() ?? receiver.fallbackStatus;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'fail');
      receiver.received.push({
        path: req.url ?? '',
        headers: req.headers,
        json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedWebhook['json'],
      });
      for (const w of [...waiters]) {
        if (receiver.received.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(receiver.received.slice(0, w.count));
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
