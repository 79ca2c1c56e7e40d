import { type Whoami, whoamiSchema } from '../schemas/whoami.js';
import type { Transport } from '../transport.js';

/** Who the API key belongs to and which Affinity instance it opens. */
export class WhoamiResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /auth/whoami` (camelCase keys). */
  async get(): Promise<Whoami> {
    return this.transport.request({
      method: 'GET',
      path: '/auth/whoami',
      endpoint: 'GET /auth/whoami',
      schema: whoamiSchema,
      idempotent: true,
    });
  }
}
