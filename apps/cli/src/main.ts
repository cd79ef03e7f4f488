import { Command, CommanderError } from 'commander';
import { ConfigError, VERSION, loadConfig, startServer } from '@euca2nova/server';
import { createSimCommand } from '@euca2nova/euca-sim/command';
import { createNovaCommand } from '@euca2nova/nova';
import { ConfigFileError, SourceError, createInventoryCommand } from '@euca2nova/eucalyptus';
import { JobSetupError, PlanError } from '@euca2nova/engine';
import { NovaTargetError } from '@euca2nova/nova';
import { StateKeyError, StateNotFoundError } from '@euca2nova/state';
import {
  createMigrateCommand,
  createPlanCommand,
  createWorkerCommand,
} from './commands/migrate.ts';
import { CliError } from './migration-options.ts';

/** Exit codes shared by every subcommand (the migrate command adds 3, 4 and 5). */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

export function createProgram(): Command {
  const program = new Command('euca2nova')
    .description(
      'Move a whole Eucalyptus cloud into OpenStack Nova, with every identifier kept.\n' +
        'Run without a subcommand to see this help; "serve" starts the web wizard.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('serve')
    .description(
      'Start the web wizard and its API. Configuration comes from the environment (see .env.example).',
    )
    .option('--port <port>', 'port to listen on (overrides PORT)')
    .option('--host <host>', 'interface to listen on (overrides HOST)')
    .action(async (options: { port?: string; host?: string }) => {
      const env = { ...process.env };
      if (options.port !== undefined) env.PORT = options.port;
      if (options.host !== undefined) env.HOST = options.host;
      const server = await startServer(loadConfig(env));
      process.stdout.write(`euca2nova is running at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program.addCommand(createNovaCommand());
  program.addCommand(createSimCommand());
  program.addCommand(createInventoryCommand());
  program.addCommand(createPlanCommand());
  program.addCommand(createMigrateCommand());
  program.addCommand(createWorkerCommand());

  return program;
}

/** Runs the command line and returns the exit code, so tests can call it without exiting. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    // migrate sets its own code (3, 4, 5) when it ends without an exception.
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are printed by commander and end with code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (e instanceof CliError) {
      process.stderr.write(`euca2nova: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof PlanError) {
      process.stderr.write(`euca2nova: ${e.message}\n`);
      return e.code === 'unknown-finding' || e.code === 'unknown-items' ? EXIT.badInput : 3;
    }
    if (
      e instanceof SourceError ||
      e instanceof NovaTargetError ||
      e instanceof JobSetupError ||
      e instanceof StateKeyError ||
      e instanceof StateNotFoundError ||
      e instanceof ConfigFileError
    ) {
      process.stderr.write(`euca2nova: ${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`euca2nova: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failure;
  }
}
