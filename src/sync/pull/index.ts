/**
 * Pull: Affinity lists into My CRM — concurrent, incremental, set-based ingest; matching to the
 * intelligence dataset with links for push; the review queue; the growth-ranked view.
 */
export {
  type MatchCounts,
  type PullDeps,
  PullInputError,
  type PullListReport,
  type PullListRequest,
  type PullOptions,
  type PullProgress,
  type PullReport,
  type PullStop,
  pull,
  pullStopFor,
  resolveLists,
} from './engine.js';
export {
  estimateFromLists,
  estimatePull,
  PULL_PAGE_SIZE,
  type PullEstimate,
  type PullEstimateList,
} from './estimate.js';
export { type AffinityType, affinityTypeOf } from './ingest.js';
export {
  type Candidate,
  type EntityKind,
  type MatchResult,
  type MatchStatus,
  matchRecords,
} from './matching.js';
export {
  createFromRecord,
  ignoreRecord,
  linkRecord,
  parseEntityRef,
  type ReviewCounts,
  type ReviewItem,
  type ReviewOutcome,
  resolveEntityKey,
  reviewCounts,
  reviewQueue,
} from './review.js';
export {
  addPullSources,
  listPullSources,
  type PullSource,
  pullSourceRequests,
  removePullSources,
} from './sources.js';
export {
  type CrmCounts,
  type CrmRow,
  type CrmScope,
  type CrmSort,
  type CrmViewOptions,
  crmCounts,
  crmSorts,
  crmView,
  pulledList,
} from './view.js';
