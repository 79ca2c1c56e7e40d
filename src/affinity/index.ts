/**
 * The typed Affinity v1 client: the HTTP core (transport, governor, retries, errors, pagination),
 * the zod schemas and inferred types of every resource, the resource classes and
 * {@link AffinityClient}, which composes them.
 */
export * from './client.js';
export * from './core/index.js';
export * from './resources/index.js';
export * from './schemas/index.js';
export type { HttpMethod, Page, QueryValue, RawRequestSpec, RequestSpec, Transport } from './transport.js';
