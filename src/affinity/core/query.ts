import type { QueryValue } from '../transport.js';

/**
 * Encodes query parameters the way Affinity's reference writes them: `null`/`undefined` dropped,
 * booleans as `true`/`false`, arrays repeated Rails-style as `key[]=a&key[]=b` (the reference
 * sends `person_ids[]=38706&person_ids[]=624289`); a key already ending in `[]` is kept as is.
 * Returns the string without the leading `?` (empty when nothing remains).
 */
export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      const name = key.endsWith('[]') ? key : `${key}[]`;
      for (const item of value as ReadonlyArray<string | number>) params.append(name, String(item));
      continue;
    }
    params.append(key, String(value));
  }
  return params.toString();
}

/** `baseUrl` + `path` (+ query), keeping any path prefix of the base URL. */
export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const base = baseUrl.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  const qs = encodeQuery(query);
  return qs === '' ? `${base}${rel}` : `${base}${rel}${rel.includes('?') ? '&' : '?'}${qs}`;
}
