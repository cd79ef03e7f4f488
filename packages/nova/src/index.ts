export { NovaTargetError, withClient } from './db.ts';
export type { Db } from './db.ts';
export {
  BEXAR_SCHEMA,
  BEXAR_MIGRATE_VERSION,
  BEXAR_TABLES,
  NOVA_REPOSITORY_ID,
  DEFAULT_REPOSITORY_PATH,
  renderBexarDdl,
  serialTables,
  referencingColumns,
} from './schema.ts';
export type { BexarSchema, BexarTable, BexarColumn } from './schema.ts';
export { initNovaSchema } from './init.ts';
export type { InitResult } from './init.ts';
export {
  inspectNovaTarget,
  inspectWithClient,
  describeTargetProblem,
  assertWritableBexar,
} from './inspect.ts';
export type { TargetState, ColumnDifference } from './inspect.ts';
export { planIdWidening, widenIdColumns } from './widen.ts';
export type { WideningPlan } from './widen.ts';
export {
  planIds,
  novaAccessKeyOf,
  novaImageId,
  novaProjectIdOf,
  novaUserIdOf,
  projectOfGrantee,
  projectOfOwner,
  mapInstanceType,
  describeInstanceTypeMapping,
  DEFAULT_INSTANCE_TYPE_MAP,
} from './identity.ts';
export type { IdPlan, IdAssignment } from './identity.ts';
export { planNetwork, renderNovaConf, recommendedManager, numberToIpv4 } from './network.ts';
export type {
  NetworkPlan,
  PlannedNetwork,
  PlannedFixedIp,
  PlannedFloatingIp,
  InstanceIpPlan,
  PlanNetworkOptions,
} from './network.ts';
export {
  writeRows,
  bumpSequences,
  assertIdsFit,
  NovaConflictError,
  addResults,
  emptyResult,
  naiveUtc,
} from './upsert.ts';
export type {
  WriteResult,
  WriteOptions,
  RowOutcome,
  Conflict,
  FieldConflict,
  Row,
  CellValue,
  TableSpec,
} from './upsert.ts';
export {
  writeUsers,
  writeKeyPairs,
  writeSecurityGroups,
  writeNetworks,
  writeInstances,
  writeFloatingIps,
  writeVolumes,
  writeQuotas,
  buildUserRows,
  buildKeyPairRows,
  buildSecurityGroupRows,
  buildInstanceRows,
  buildVolumeRows,
  md5Fingerprint,
  novaPowerStateOf,
  novaMacFor,
  MEMBER_ROLES,
  ADMIN_ROLES,
  ISCSI_NUM_TARGETS,
  WRITE_ORDER,
} from './writers.ts';
export type { NovaWriteInput, KindWriteResult, ProjectQuota } from './writers.ts';
export {
  writeImage,
  writeImageResumable,
  partialImageDir,
  buildImageInfo,
  readImageStore,
} from './imagestore.ts';
export type {
  NovaImageInfo,
  WriteImageOptions,
  WriteImageResult,
  WriteImageResumableOptions,
  ResumableSource,
} from './imagestore.ts';
export { readBack, compareWithInventory, viewForUser } from './readback.ts';
export type { Ec2View, Difference, CompareContext } from './readback.ts';
export { createNovaCommand } from './command.ts';
export { prepareWriteInput, writeAllRows } from './run.ts';
