import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseEucarc } from './config-files.ts';
import type { ConnectInput } from './connect.ts';
import { readCredentialsZip } from './credentials-zip.ts';
import { SourceError } from './errors.ts';

/** The command-line flags that name a Eucalyptus cloud (commander's camel-cased names). */
export interface SourceFlags {
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
}

/** Add the source flags every command that reads Eucalyptus takes. */
export function addSourceOptions(command: Command): Command {
  return command
    .option('--eucarc <file>', "the admin's eucarc (EC2_URL, S3_URL, EUARE_URL, keys)")
    .option(
      '--credentials-zip <file>',
      'the admin credentials zip Eucalyptus hands out (eucarc, cloud-cert.pem, keys)',
    )
    .option('--ec2-url <url>', 'EC2 endpoint, e.g. http://clc:8773/services/Eucalyptus')
    .option('--s3-url <url>', 'Walrus endpoint')
    .option('--euare-url <url>', 'Euare endpoint (3.x)')
    .option('--access-key <key>', 'admin access key')
    .option('--secret-key <key>', 'admin secret key (prefer --eucarc or EC2_SECRET_KEY)')
    .option('--clc-db <url>', 'cloud controller PostgreSQL URL (3.x; read-only use)')
    .option('--cloud-pk <file>', 'cloud-pk.pem, to decrypt image bundles here')
    .option('--euca-conf <file>', 'eucalyptus.conf of the cloud controller');
}

async function readText(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new SourceError(
      'bad-input',
      `Cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * The connection input from flags, then the eucarc or credentials zip, then the environment
 * (`EC2_URL`, `EC2_ACCESS_KEY`, `EC2_SECRET_KEY`, `S3_URL`, `EUARE_URL`), in that order.
 */
export async function resolveSourceInput(
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ConnectInput> {
  let rc: Partial<ReturnType<typeof parseEucarc>> = {};
  let zipCloudPk: string | undefined;
  if (flags.eucarc !== undefined && flags.credentialsZip !== undefined)
    throw new SourceError('bad-input', 'Give --eucarc or --credentials-zip, not both.');
  if (flags.eucarc !== undefined) {
    const text = (await readText(flags.eucarc)) ?? '';
    try {
      rc = parseEucarc(text, flags.eucarc);
    } catch (e) {
      throw new SourceError('bad-input', e instanceof Error ? e.message : String(e));
    }
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
  const input: ConnectInput = { ec2Url, accessKey, secretKey };
  const s3Url = flags.s3Url ?? rc.s3Url ?? env.S3_URL;
  if (s3Url !== undefined) input.s3Url = s3Url;
  const euareUrl = flags.euareUrl ?? rc.euareUrl ?? env.EUARE_URL;
  if (euareUrl !== undefined) input.euareUrl = euareUrl;
  if (flags.clcDb !== undefined) input.controllerDbUrl = flags.clcDb;
  const cloudPkPem = (await readText(flags.cloudPk)) ?? zipCloudPk;
  if (cloudPkPem !== undefined) input.cloudPkPem = cloudPkPem;
  const conf = await readText(flags.eucaConf);
  if (conf !== undefined) input.eucalyptusConf = conf;
  return input;
}
