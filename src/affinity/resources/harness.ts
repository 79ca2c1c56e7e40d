import { AffinityClient } from '../client.js';
import { createTransport, type HttpTransport } from '../core/http.js';
import { type RecordingServer, startRecordingServer } from './recording-server.js';

/** The API key the resource tests use; its Basic header is asserted once. */
export const TEST_API_KEY = 'test-key-0123';

export interface Harness {
  server: RecordingServer;
  client: AffinityClient;
  transport: HttpTransport;
  close(): Promise<void>;
}

/**
 * A recording server and an {@link AffinityClient} on a real transport pointed at it. Retries are
 * off so a wrong reply fails at once instead of being retried.
 */
export async function startHarness(): Promise<Harness> {
  const server = await startRecordingServer();
  const transport = createTransport({ apiKey: TEST_API_KEY, baseUrl: server.url, maxRetries: 0 });
  const client = new AffinityClient({ transport });
  return { server, client, transport, close: () => server.close() };
}
