/** `GET /auth/whoami` (camelCase keys, unlike every other endpoint) and `GET /rate-limit`. */
import type { ResourceModule } from '../framework.js';
import { type ApiKeyRow, type TenantRow, tablesOf } from '../model.js';

export const DEFAULT_TENANT: Omit<TenantRow, 'id'> = { name: 'Emulated Affinity', subdomain: 'emulated' };

export const whoamiModule: ResourceModule = {
  name: 'whoami',
  routes: (core) => [
    {
      method: 'GET',
      path: '/auth/whoami',
      handler: (ctx) => {
        const t = tablesOf(core);
        const tenant = t.tenants.all()[0] ?? { id: 1, ...DEFAULT_TENANT };
        const user = t.persons.get(ctx.userId);
        const key: ApiKeyRow | undefined =
          ctx.apiKeyId === undefined ? undefined : t.apiKeys.get(ctx.apiKeyId);
        return {
          tenant: { id: tenant.id, name: tenant.name, subdomain: tenant.subdomain },
          user: {
            id: ctx.userId,
            firstName: user?.first_name ?? null,
            lastName: user?.last_name ?? null,
            email: user?.emails[0] ?? null,
          },
          grant: { type: 'api_key', scope: 'external_api', createdAt: key?.created_at ?? core.timestamp() },
        };
      },
    },
    {
      method: 'GET',
      path: '/rate-limit',
      handler: (ctx) => ({ rate: ctx.rateLimit }),
    },
  ],
};
