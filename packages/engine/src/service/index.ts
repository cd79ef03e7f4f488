export {
  initialiseTarget,
  novaPublic,
  openSourceConnection,
  openTargetConnection,
  saveSourceConnection,
  saveTargetConnection,
  sourceCloudName,
  sourcePublic,
  testSourceConnection,
  testTargetConnection,
  type CloudNameStore,
  type ConnectionStore,
  type NovaTargetInput,
  type SourceTestResult,
  type TargetTestResult,
} from './connections.ts';
export { runDiscoveryJob, type DiscoveryOutcome, type DiscoveryStore } from './discovery.ts';
export {
  PlanSettingsSchema,
  acknowledgeStored,
  createJobFromPlan,
  planSummary,
  planStored,
  replanStored,
  type MappingChoices,
  type PlanRequest,
  type PlanSettings,
  type PlanStore,
  type StoredPlanRecord,
} from './plans.ts';
export {
  INVENTORY_SORTS,
  InventoryBrowser,
  PLAN_SORTS,
  PREVIEW_PULLED_IN_LIMIT,
  pageOf,
  pagePlanItems,
  previewSelection,
  planCounts,
  type InventoryOverview,
  type InventoryRow,
  type InventorySort,
  type Page,
  type PageQuery,
  type PlanSort,
} from './browse.ts';
export { networkView, type NetworkView } from './network.ts';
export { JobProgressCache, type JobProgressCacheOptions, type ProgressStore } from './progress.ts';
export {
  ReportNotFoundError,
  ReportView,
  ReportViews,
  USER_CHANGED_IDS_LIMIT,
  noticeCredentialsOf,
  type IdMapQuery,
  type ReportStore,
  type UsersQuery,
} from './reports.ts';
