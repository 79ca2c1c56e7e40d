import {
  type RelationshipStrength,
  relationshipStrengthArraySchema,
} from '../schemas/relationship-strengths.js';
import type { Transport } from '../transport.js';
import { checkId, checkOptionalId } from './arguments.js';

/** Query of `GET /relationships-strengths`. */
export interface RelationshipStrengthFilters {
  external_id: number;
  /** Without it: the strengths between every internal person and `external_id`. */
  internal_id?: number;
}

/** Relationship strengths between internal and external persons. */
export class RelationshipStrengthsResource {
  constructor(private readonly transport: Transport) {}

  /** `GET /relationships-strengths`: zero or more strengths, unsorted. */
  async get(filters: RelationshipStrengthFilters): Promise<RelationshipStrength[]> {
    const endpoint = 'GET /relationships-strengths';
    return this.transport.request({
      method: 'GET',
      path: '/relationships-strengths',
      endpoint,
      query: {
        external_id: checkId(endpoint, 'external_id', filters.external_id),
        internal_id: checkOptionalId(endpoint, 'internal_id', filters.internal_id),
      },
      schema: relationshipStrengthArraySchema,
      idempotent: true,
    });
  }
}
