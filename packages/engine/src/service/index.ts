export {
  initialiseTarget,
  novaPublic,
  openSourceConnection,
  openTargetConnection,
  saveSourceConnection,
  saveTargetConnection,
  sourcePublic,
  testSourceConnection,
  testTargetConnection,
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
  planStored,
  replanStored,
  type MappingChoices,
  type PlanRequest,
  type PlanSettings,
  type PlanStore,
} from './plans.ts';
export {
  INVENTORY_SORTS,
  InventoryBrowser,
  PLAN_SORTS,
  pagePlanItems,
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
