export { MigrationSpecSchema, NovaConnectionSchema, SourceConnectionInputSchema } from './spec.ts';
export type { MigrationSpec, NovaConnection } from './spec.ts';
export { JobSetupError, PHASE_OF_KIND, loadJobContext } from './context.ts';
export type { JobContext, LoadContextOptions } from './context.ts';
export { errorInfo, StopRequest } from './errors.ts';
export type {
  JobSnapshot,
  JobStore,
  StepRecord,
  StepResult,
  StepStatus,
  StepWrite,
  TransferAttempt,
  TransferQueuePort,
  TransferTask,
} from './ports.ts';
export { JobContexts, runTransfer } from './transfer.ts';
export type { TransferDeps } from './transfer.ts';
export { groupByUser, verifyMigration } from './verify.ts';
export { buildReport } from './build-report.ts';
export type { BuildReportInput, StepLike } from './build-report.ts';
export { JobBusyError, runMigration } from './runner.ts';
export type { EngineDeps, RunMigrationOptions, RunOutcome } from './runner.ts';
