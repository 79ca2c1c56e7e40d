import { type RateLimitInfo, rateLimitSchema } from '../schemas/rate-limit.js';
import type { Transport } from '../transport.js';

/** The account's monthly and the key's per-minute limits as Affinity counts them. */
export class RateLimitResource {
  constructor(private readonly transport: Transport) {}

  /**
   * `GET /rate-limit`. Costs a call; every response's `X-Ratelimit-*` headers carry the same
   * figures for free (see the transport's `rateLimit()`).
   */
  async get(): Promise<RateLimitInfo> {
    return this.transport.request({
      method: 'GET',
      path: '/rate-limit',
      endpoint: 'GET /rate-limit',
      schema: rateLimitSchema,
      idempotent: true,
    });
  }
}
