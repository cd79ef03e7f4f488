import { Command } from 'commander';
import { NovaTargetError } from './db.ts';
import { initNovaSchema } from './init.ts';

/** `euca2nova nova …`: target-side commands. Bad input exits 2 with the error on stderr. */
export function createNovaCommand(): Command {
  const nova = new Command('nova').description('Nova Bexar target commands').exitOverride();
  nova
    .command('init-db')
    .description(
      'Create the Nova 2011.1 (Bexar) schema in an empty PostgreSQL database, stamped at migrate_version 2.',
    )
    .requiredOption('--nova-db <url>', 'PostgreSQL URL of the (empty) Nova database')
    .option('--repository-path <path>', 'migrate_version.repository_path to record')
    .exitOverride()
    .action(async function (this: Command, options: { novaDb: string; repositoryPath?: string }) {
      try {
        const r = await initNovaSchema(
          options.novaDb,
          options.repositoryPath === undefined ? {} : { repositoryPath: options.repositoryPath },
        );
        process.stdout.write(
          r.created
            ? 'Created the Nova Bexar schema (migrate_version 2).\n'
            : 'The database already has the Nova Bexar schema; nothing to do.\n',
        );
      } catch (e) {
        if (e instanceof NovaTargetError)
          this.error(`euca2nova: ${e.message}`, { exitCode: 2, code: `nova.${e.code}` });
        throw e;
      }
    });
  return nova;
}
