/** Small readers of path and query parameters shared by the core resource routes. */
import { notFound, unprocessable } from '../framework.js';
import type { InteractionDates } from '../model.js';

/** The first value of a query parameter (repeated keys give arrays). */
export function queryString(q: Record<string, string | string[]>, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An integer query parameter; 422 when present but not an integer. */
export function queryInt(q: Record<string, string | string[]>, name: string): number | undefined {
  const v = queryString(q, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw unprocessable(`${name} must be an integer`);
  return n;
}

/** An integer path parameter; a non-integer id names nothing, so 404. */
export function pathInt(params: Record<string, string>, name: string): number {
  const n = Number(params[name]);
  if (!Number.isInteger(n)) throw notFound();
  return n;
}

const INTERACTIONS = [
  'first_email',
  'last_email',
  'last_interaction',
  'last_event',
  'first_event',
  'next_event',
  'last_chat_message',
] as const;

/** Every `min_/max_{interaction}_date` parameter, built once: searches look each one up. */
const BOUNDS = INTERACTIONS.flatMap((kind) =>
  (['min', 'max'] as const).map((side) => ({
    name: `${side}_${kind}_date`,
    key: `${kind}_date` as keyof InteractionDates,
    side,
  })),
);

function parseBound(name: string, v: string): number {
  // A date without a time means 00:00:00, as the reference says.
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(ms)) throw unprocessable(`${name} must be an ISO 8601 date`);
  return ms;
}

/**
 * The `min_{interaction}_date` / `max_{interaction}_date` filters of a search as a predicate over
 * interaction dates (an entity without that interaction never matches), or null when none given.
 */
export function interactionFilter(
  q: Record<string, string | string[]>,
): ((dates: InteractionDates) => boolean) | null {
  const checks: Array<(d: InteractionDates) => boolean> = [];
  for (const { name, key, side } of BOUNDS) {
    const raw = queryString(q, name);
    if (raw === undefined || raw === '') continue;
    const bound = parseBound(name, raw);
    checks.push((d) => {
      const v = d[key];
      if (!v) return false;
      const ms = Date.parse(v);
      return side === 'min' ? ms >= bound : ms <= bound;
    });
  }
  return checks.length ? (d) => checks.every((c) => c(d)) : null;
}
