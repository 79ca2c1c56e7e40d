import { type InteractionDateKind, interactionDateKinds } from '../schemas/common.js';
import type { QueryValue } from '../transport.js';
import { checkPageSize, type DateInput, toIso } from './arguments.js';

/** `min_{kind}_date` / `max_{kind}_date` filters of the person and organization searches. */
export type InteractionDateFilters = {
  [K in `${'min' | 'max'}_${InteractionDateKind}_date`]?: DateInput;
};

/** Parameters shared by `GET /persons` and `GET /organizations`. */
export interface EntitySearchParams extends InteractionDateFilters {
  /** Part of a name, email address or domain. */
  term?: string;
  /** Adds `interaction_dates`; entities without interactions are then left out. */
  with_interaction_dates?: boolean;
  /** With `with_interaction_dates`: the internal persons of each interaction. */
  with_interaction_persons?: boolean;
  with_opportunities?: boolean;
  /** Default and maximum 500. */
  page_size?: number;
  page_token?: string;
}

/**
 * The query of a person/organization search: flags as given, interaction-date filters as ISO-8601
 * strings, `page_size` checked. Keys the caller did not set are left out.
 */
export function entitySearchQuery(
  endpoint: string,
  params: EntitySearchParams & { with_current_organizations?: boolean },
): Record<string, QueryValue> {
  checkPageSize(endpoint, params.page_size);
  const query: Record<string, QueryValue> = {
    term: params.term,
    with_interaction_dates: params.with_interaction_dates,
    with_interaction_persons: params.with_interaction_persons,
    with_opportunities: params.with_opportunities,
    with_current_organizations: params.with_current_organizations,
  };
  for (const kind of interactionDateKinds) {
    for (const bound of ['min', 'max'] as const) {
      const key = `${bound}_${kind}_date` as const;
      const value = params[key];
      if (value !== undefined) query[key] = toIso(endpoint, key, value);
    }
  }
  query.page_size = params.page_size;
  query.page_token = params.page_token;
  return query;
}
