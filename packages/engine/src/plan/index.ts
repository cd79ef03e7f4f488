export {
  plan,
  analysePlan,
  createPlan,
  restrictInventory,
  selectedInventory,
  findingKey,
  blockingFindings,
  unacknowledgedWarnings,
  acknowledgeFindings,
  assertRunnable,
} from './plan.ts';
export type { PlanOutcome, CreatePlanOptions } from './plan.ts';
export { PlanError, PlanBlockedError } from './errors.ts';
export type { PlanErrorCode } from './errors.ts';
export {
  selectWithDependencies,
  dependenciesOf,
  compareItems,
  includesAddressPool,
} from './selection.ts';
export type { SelectedResource, SelectionClosure } from './selection.ts';
export { InventoryIndex, itemKey, boundedId, UNKNOWN_OWNER } from './resources.ts';
export type { Resource, ResourceRef } from './resources.ts';
export {
  PREFLIGHT_RULES,
  FINDING_SOURCES,
  SUPERSEDED_RULE_IDS,
  runRules,
  compareFindings,
  listOf,
} from './rules.ts';
export type {
  PreflightRule,
  RuleHit,
  RuleContext,
  PlannedResource,
  FindingSource,
} from './rules.ts';
export { readTargetSnapshot } from './target.ts';
export type {
  TargetSnapshot,
  TargetSchemaSnapshot,
  TargetItemState,
  TargetFieldDifference,
  TargetRowConflict,
  TargetImage,
  TargetImageStore,
  ReadTargetOptions,
} from './target.ts';
