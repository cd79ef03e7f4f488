import { readFile } from 'node:fs/promises';
import { stripInventorySecrets } from '@euca2nova/model';
import { Command } from 'commander';
import { parseEucarc } from './config-files.ts';
import { connect } from './connect.ts';
import { readCredentialsZip } from './credentials-zip.ts';
import { discover } from './discover.ts';
import { SourceError } from './errors.ts';

interface InventoryFlags {
  eucarc?: string;
  credentialsZip?: string;
  ec2Url?: string;
  s3Url?: string;
  euareUrl?: string;
  accessKey?: string;
  secretKey?: string;
  clcDb?: string;
  cloudPk?: string;
  eucaConf?: string;
  json?: boolean;
  includeSecrets?: boolean;
  concurrency?: string;
}

/** `euca2nova inventory`: discover a whole cloud and print the Inventory as JSON. */
export function createInventoryCommand(): Command {
  return new Command('inventory')
    .description(
      'Read every user and resource of a Eucalyptus 2.0/3.x cloud and print the Inventory as JSON.',
    )
    .option('--eucarc <file>', "the admin's eucarc (EC2_URL, S3_URL, EUARE_URL, keys)")
    .option(
      '--credentials-zip <file>',
      'the admin credentials zip Eucalyptus hands out (eucarc, cloud-cert.pem, keys)',
    )
    .option('--ec2-url <url>', 'EC2 endpoint, e.g. http://clc:8773/services/Eucalyptus')
    .option('--s3-url <url>', 'Walrus endpoint')
    .option('--euare-url <url>', 'Euare endpoint (3.x)')
    .option('--access-key <key>', 'admin access key')
    .option('--secret-key <key>', 'admin secret key')
    .option('--clc-db <url>', 'cloud controller PostgreSQL URL (3.x; read-only use)')
    .option('--cloud-pk <file>', 'cloud-pk.pem')
    .option('--euca-conf <file>', 'eucalyptus.conf of the cloud controller')
    .option('--concurrency <n>', 'parallel per-user calls', '16')
    .option('--json', 'print JSON (the only format)', true)
    .option(
      '--include-secrets',
      "also write users' secret keys (left out by default); pipe into a file with 0600 permissions, e.g. (umask 077; euca2nova inventory --include-secrets > inventory.json)",
      false,
    )
    .action(async (flags: InventoryFlags) => {
      const env = process.env;
      let rc: Partial<ReturnType<typeof parseEucarc>> = {};
      let zipCloudPk: string | undefined;
      if (flags.eucarc !== undefined && flags.credentialsZip !== undefined)
        throw new SourceError('bad-input', 'Give --eucarc or --credentials-zip, not both.');
      try {
        if (flags.eucarc !== undefined)
          rc = parseEucarc(await readFile(flags.eucarc, 'utf8'), flags.eucarc);
      } catch (e) {
        throw new SourceError('bad-input', e instanceof Error ? e.message : String(e));
      }
      if (flags.credentialsZip !== undefined) {
        let buffer: Buffer;
        try {
          buffer = await readFile(flags.credentialsZip);
        } catch (e) {
          throw new SourceError(
            'bad-input',
            `Cannot read ${flags.credentialsZip}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
        const zip = await readCredentialsZip(buffer);
        rc = zip.eucarc;
        zipCloudPk = zip.cloudPkPem;
      }
      const ec2Url = flags.ec2Url ?? rc.ec2Url ?? env.EC2_URL;
      const accessKey = flags.accessKey ?? rc.accessKey ?? env.EC2_ACCESS_KEY;
      const secretKey = flags.secretKey ?? rc.secretKey ?? env.EC2_SECRET_KEY;
      if (!ec2Url || !accessKey || !secretKey)
        throw new SourceError(
          'bad-input',
          'Give --eucarc, or --ec2-url with --access-key and --secret-key (or EC2_URL, EC2_ACCESS_KEY, EC2_SECRET_KEY).',
        );
      const read = async (f: string | undefined): Promise<string | undefined> => {
        if (f === undefined) return undefined;
        try {
          return await readFile(f, 'utf8');
        } catch (e) {
          throw new SourceError(
            'bad-input',
            `Cannot read ${f}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
      };
      const conn = await connect({
        ec2Url,
        accessKey,
        secretKey,
        s3Url: flags.s3Url ?? rc.s3Url ?? env.S3_URL,
        euareUrl: flags.euareUrl ?? rc.euareUrl ?? env.EUARE_URL,
        controllerDbUrl: flags.clcDb,
        cloudPkPem: (await read(flags.cloudPk)) ?? zipCloudPk,
        eucalyptusConf: await read(flags.eucaConf),
      });
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
