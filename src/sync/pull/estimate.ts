import type { AffinityClient, List } from '../../affinity/index.js';
import { estimateOf, type PlanEstimate } from '../push/types.js';
import { type PullListRequest, resolveLists } from './engine.js';
import { type AffinityType, affinityTypeOf } from './ingest.js';

/**
 * What a pull will cost before it runs (`pull --dry-run`): from one `GET /lists`, whose lists carry
 * their sizes, without walking a list and without writing anything.
 *
 * The arithmetic is the pull's own: `GET /lists` once, one call per 500 entries of each list (at
 * least one), and — with field values — `GET /fields` once and one `GET /field-values` per record.
 * Opportunity lists add the opportunity index (every visible opportunity, 500 per page; an
 * opportunity is on exactly one opportunity list, so the index holds as many as the visible
 * opportunity lists together), plus one call per organization of theirs never seen in My CRM,
 * which only the index tells: that part is not counted.
 */

/** Entries per page of a list walk and of the opportunity index. */
export const PULL_PAGE_SIZE = 500;

export interface PullEstimateList {
  id: number;
  name: string;
  type: AffinityType;
  /** Entries on the list (Affinity's `list_size`, duplicates included). */
  entries: number;
  /** Whether this pull reads its field values (`--with-fields`, or its pull source's setting). */
  withFields: boolean;
  /** Pages of its walk: ⌈entries / 500⌉, at least one. */
  pageCalls: number;
  /**
   * `GET /field-values` reads with field values: one per entry at most (a record on the list
   * twice, or on two pulled lists, is read once).
   */
  fieldValueCalls: number;
}

export interface PullEstimate {
  lists: PullEstimateList[];
  /** Calls no single list spends, with and without field values. */
  shared: {
    /** `GET /lists`: 1. */
    lists: number;
    /** `GET /fields`: 1 when field values are read. */
    fields: number;
    /** Pages of the opportunity index when an opportunity list is pulled. */
    opportunityIndex: number;
  };
  /** What this pull costs: field values read for the lists that ask for them. */
  planned: PlanEstimate;
  /** The same lists without any field values. */
  withoutFields: PlanEstimate;
  /** The same lists, all with field values (at most: records read once however often listed). */
  withFields: PlanEstimate;
  /**
   * False when an opportunity list is pulled: one call per organization of its opportunities not
   * yet in My CRM comes on top, and only the pull learns how many.
   */
  exact: boolean;
  /** What the figures leave out or count at most, in words. */
  notes: string[];
  /** Calls the estimate itself spent (`GET /lists`). */
  calls: number;
}

const pagesOf = (n: number): number => Math.max(1, Math.ceil(n / PULL_PAGE_SIZE));

/**
 * The estimate for pulling `requests` from the lists `visible` (as `GET /lists` returns them) at
 * `ratePerMinute`. Unknown lists are refused as the pull refuses them.
 */
export function estimateFromLists(
  visible: readonly List[],
  requests: readonly PullListRequest[],
  ratePerMinute: number,
): Omit<PullEstimate, 'calls'> {
  const targets = resolveLists(visible, requests);
  const lists: PullEstimateList[] = targets.map(({ list, withFields }) => ({
    id: list.id,
    name: list.name,
    type: affinityTypeOf(list.type),
    entries: list.list_size,
    withFields,
    pageCalls: pagesOf(list.list_size),
    fieldValueCalls: list.list_size,
  }));
  // The index is read only when a pulled opportunity list has entries.
  const opportunities = lists.some((l) => l.type === 'opportunity' && l.entries > 0);
  const visibleOpportunities = visible
    .filter((l) => affinityTypeOf(l.type) === 'opportunity')
    .reduce((n, l) => n + l.list_size, 0);
  const shared = {
    lists: 1,
    fields: lists.some((l) => l.withFields) ? 1 : 0,
    opportunityIndex: opportunities ? pagesOf(visibleOpportunities) : 0,
  };
  const walk = shared.lists + shared.opportunityIndex + lists.reduce((n, l) => n + l.pageCalls, 0);
  const values = (all: boolean) =>
    lists.reduce((n, l) => n + (all || l.withFields ? l.fieldValueCalls : 0), 0);
  const planned = walk + shared.fields + values(false);
  const notes = [
    'field values: one read per entry at most; a record listed twice, or on two of these lists, is read once',
  ];
  if (opportunities)
    notes.push(
      'opportunity lists: plus one call per organization of their opportunities not yet in My CRM (known only once the index is read)',
    );
  return {
    lists,
    shared,
    planned: estimateOf(planned, ratePerMinute),
    withoutFields: estimateOf(walk, ratePerMinute),
    withFields: estimateOf(walk + 1 + values(true), ratePerMinute),
    exact: !opportunities,
    notes,
  };
}

/** {@link estimateFromLists} from a fresh `GET /lists` (its one call). Nothing is written. */
export async function estimatePull(
  client: AffinityClient,
  requests: readonly PullListRequest[],
  options: { ratePerMinute: number },
): Promise<PullEstimate> {
  const visible = await client.lists.all();
  return { ...estimateFromLists(visible, requests, options.ratePerMinute), calls: 1 };
}
