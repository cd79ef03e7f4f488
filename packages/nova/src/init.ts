import { NovaTargetError, inTransaction, withClient } from './db.ts';
import { describeTargetProblem, inspectWithClient, type TargetState } from './inspect.ts';
import {
  BEXAR_MIGRATE_VERSION,
  DEFAULT_REPOSITORY_PATH,
  NOVA_REPOSITORY_ID,
  renderBexarDdl,
} from './schema.ts';

export interface InitResult {
  readonly created: boolean;
  /** The state before anything was done. */
  readonly before: TargetState;
}

/**
 * Create the Bexar schema in an empty database (FK-safe order, one transaction) and stamp
 * `migrate_version` at 2 so a later `nova-manage db sync` sees a synced database. A database that
 * already is Bexar is left alone; anything else is refused with the differences named.
 */
export async function initNovaSchema(
  url: string,
  options: { repositoryPath?: string } = {},
): Promise<InitResult> {
  return withClient(url, async (client) => {
    const before = await inspectWithClient(client);
    if (before.status === 'bexar') return { created: false, before };
    if (before.status !== 'empty') {
      throw new NovaTargetError(
        `target-${before.status}`,
        `Refusing to create the Bexar schema: ${describeTargetProblem(before) ?? ''}`,
      );
    }
    if (!before.writable) {
      throw new NovaTargetError(
        'permission-denied',
        'The Nova database role may not create tables in this database.',
      );
    }
    await inTransaction(client, async () => {
      for (const stmt of renderBexarDdl()) await client.query(stmt);
      await client.query(
        'INSERT INTO migrate_version (repository_id, repository_path, version) VALUES ($1, $2, $3)',
        [
          NOVA_REPOSITORY_ID,
          options.repositoryPath ?? DEFAULT_REPOSITORY_PATH,
          BEXAR_MIGRATE_VERSION,
        ],
      );
    });
    return { created: true, before };
  });
}
