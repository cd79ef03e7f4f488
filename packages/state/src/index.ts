export {
  assertDatabaseName,
  dropDatabase,
  ensureDatabase,
  redactUrl,
  withDatabase,
} from './database.ts';
export {
  EmbeddedPostgresError,
  freePort,
  startEmbeddedPostgres,
  type EmbeddedPostgresOptions,
  type RunningPostgres,
} from './embedded.ts';
export {
  MIGRATIONS_DIR,
  MIGRATIONS_TABLE,
  MigrationError,
  migrateStateDatabase,
  type AppliedMigration,
} from './migrate.ts';
export { STATE_KEY_FILE, StateKey, StateKeyError, loadStateKey } from './secrets.ts';
export {
  JOB_EVENTS_CHANNEL,
  PgJobStore,
  StateConflictError,
  StateNotFoundError,
  type InventoryListing,
  type JobRecord,
  type PlanListing,
  type PlanTarget,
  type StoredConnection,
  type StoredPlan,
} from './jobs.ts';
export {
  TRANSFER_QUEUE,
  TransferQueue,
  transferTaskId,
  type TransferHandler,
  type TransferQueueOptions,
} from './queue.ts';
export {
  STATE_DATABASE,
  openStateDatabase,
  type OpenState,
  type OpenStateOptions,
} from './open.ts';
export { STEP_STATUSES, readStateMetrics, type StateMetrics } from './metrics.ts';
