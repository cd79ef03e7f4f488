import { stripInventorySecrets } from '@euca2nova/model';
import { Command } from 'commander';
import { connect } from './connect.ts';
import { discover } from './discover.ts';
import { addSourceOptions, resolveSourceInput, type SourceFlags } from './options.ts';

interface InventoryFlags extends SourceFlags {
  json?: boolean;
  includeSecrets?: boolean;
  concurrency?: string;
}

/** `euca2nova inventory`: discover a whole cloud and print the Inventory as JSON. */
export function createInventoryCommand(): Command {
  return addSourceOptions(
    new Command('inventory').description(
      'Read every user and resource of a Eucalyptus 2.0/3.x cloud and print the Inventory as JSON.',
    ),
  )
    .option('--concurrency <n>', 'parallel per-user calls', '16')
    .option('--json', 'print JSON (the only format)', true)
    .option(
      '--include-secrets',
      "also write users' secret keys (left out by default); pipe into a file with 0600 permissions, e.g. (umask 077; euca2nova inventory --include-secrets > inventory.json)",
      false,
    )
    .action(async (flags: InventoryFlags) => {
      const conn = await connect(await resolveSourceInput(flags));
      try {
        const inventory = await discover(conn, {
          concurrency: Number(flags.concurrency ?? 16) || 16,
        });
        // Secret keys end up in terminals, logs and CI output unless asked for explicitly.
        const printed =
          flags.includeSecrets === true ? inventory : stripInventorySecrets(inventory);
        process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
      } finally {
        conn.close();
      }
    });
}
