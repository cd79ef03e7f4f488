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
