import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

/** The numbered SQL migrations of the state database, applied in order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'schema_migrations';

export interface AppliedMigration {
  name: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Brings the state database up to the newest schema. Safe to run from several processes at once:
 * node-pg-migrate holds an advisory lock while it works.
 */
export async function migrateStateDatabase(
  databaseUrl: string,
  log: (message: string) => void = () => undefined,
): Promise<AppliedMigration[]> {
  try {
    const applied = await runner({
      databaseUrl,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      // A server and its workers may start together: the second one waits, then finds nothing to do.
      advisoryLockMode: 'wait',
      log,
      logger: { debug: () => undefined, info: log, warn: log, error: log },
    });
    return applied.map((m) => ({ name: m.name }));
  } catch (cause) {
    throw new MigrationError(
      `The state database could not be migrated: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
