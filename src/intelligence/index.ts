/**
 * The intelligence dataset: companies, people and investors with growth signals; imports, the demo
 * dataset, search, saved searches and user lists. Everything takes an open `Store`.
 */
export {
  buildDemoRecords,
  DEMO_SIGNALS_END,
  type DemoLoadResult,
  ensureDemoDataset,
  loadDemoDataset,
} from './demo.js';
export { growthHorizons, recomputeGrowth } from './growth.js';
export {
  type BatchEvent,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  importFile,
  importRecords,
  WORKER_MIN_BYTES,
} from './import.js';
export {
  addToList,
  createList,
  deleteList,
  getList,
  ListError,
  ListKeysNotFoundError,
  listLists,
  removeFromList,
  resolveKeys,
  showList,
  type UserList,
} from './lists.js';
export {
  normaliseDomain,
  normaliseEmail,
  normaliseLinkedinUrl,
  normaliseWebsite,
  parseDate,
  parseMoney,
  personKey,
  splitList,
} from './normalize.js';
export {
  type CompanyRow,
  canonicalColumn,
  type ImportEntity,
  type InvestorRow,
  importEntities,
  investorTypes,
  knownColumns,
  type PersonRow,
  parseRecord,
  type SignalMetric,
  type SignalRow,
  signalMetrics,
} from './records.js';
export {
  deleteSavedSearch,
  getSavedSearch,
  listSavedSearches,
  type NewResults,
  newResultsSince,
  runSavedSearch,
  type SavedSearch,
  saveSearch,
} from './saved-searches.js';
export {
  type CompanyResult,
  type CompiledSearch,
  compileSearch,
  type Filter,
  type FilterOp,
  filterKeys,
  type InvestorResult,
  type PersonResult,
  parseFilter,
  runCompiled,
  type SearchEntity,
  SearchInputError,
  type SearchOptions,
  type SearchPage,
  type SearchResult,
  type SearchSpec,
  type SortKey,
  search,
  searchEntities,
  sortOrders,
  tableOf,
} from './search.js';
export { formatOf, ImportFileError, type ImportFormat, type RowError, type SourceRecord } from './sources.js';
