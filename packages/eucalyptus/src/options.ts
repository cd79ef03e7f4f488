import { createPrivateKey } from 'node:crypto';
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

/** The parts a connection can be assembled from: typed fields, then the files' contents. */
export interface SourceParts {
  readonly fields?: Partial<
    Pick<
      ConnectInput,
      'ec2Url' | 's3Url' | 'euareUrl' | 'accessKey' | 'secretKey' | 'controllerDbUrl'
    >
  >;
  readonly eucarc?: { readonly text: string; readonly name: string };
  readonly credentialsZip?: Buffer;
  readonly cloudPkPem?: string;
  readonly eucalyptusConf?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How to tell the operator what is missing (flags on the command line, fields in the wizard). */
  readonly missingHint?: string;
}

/**
 * The connection input from typed fields, then the eucarc or credentials zip, then the
 * environment (`EC2_URL`, `EC2_ACCESS_KEY`, `EC2_SECRET_KEY`, `S3_URL`, `EUARE_URL`), in that
 * order. Shared by the commands (files named by flags) and the server (files uploaded).
 */
export async function mergeSourceInput(parts: SourceParts): Promise<ConnectInput> {
  const fields = parts.fields ?? {};
  const env = parts.env ?? {};
  let rc: Partial<ReturnType<typeof parseEucarc>> = {};
  let zipCloudPk: string | undefined;
  if (parts.eucarc !== undefined && parts.credentialsZip !== undefined)
    throw new SourceError('bad-input', 'Give a eucarc or a credentials zip, not both.');
  if (parts.eucarc !== undefined) {
    try {
      rc = parseEucarc(parts.eucarc.text, parts.eucarc.name);
    } catch (e) {
      throw new SourceError('bad-input', e instanceof Error ? e.message : String(e));
    }
  }
  if (parts.credentialsZip !== undefined) {
    const zip = await readCredentialsZip(parts.credentialsZip);
    rc = zip.eucarc;
    zipCloudPk = zip.cloudPkPem;
  }
  const ec2Url = fields.ec2Url ?? rc.ec2Url ?? env.EC2_URL;
  const accessKey = fields.accessKey ?? rc.accessKey ?? env.EC2_ACCESS_KEY;
  const secretKey = fields.secretKey ?? rc.secretKey ?? env.EC2_SECRET_KEY;
  if (!ec2Url || !accessKey || !secretKey)
    throw new SourceError(
      'bad-input',
      parts.missingHint ??
        'Give a eucarc or credentials zip, or the EC2 URL with the access key and secret key.',
    );
  const input: ConnectInput = { ec2Url, accessKey, secretKey };
  const s3Url = fields.s3Url ?? rc.s3Url ?? env.S3_URL;
  if (s3Url !== undefined) input.s3Url = s3Url;
  const euareUrl = fields.euareUrl ?? rc.euareUrl ?? env.EUARE_URL;
  if (euareUrl !== undefined) input.euareUrl = euareUrl;
  if (fields.controllerDbUrl !== undefined) input.controllerDbUrl = fields.controllerDbUrl;
  const cloudPkPem = parts.cloudPkPem ?? zipCloudPk;
  if (cloudPkPem !== undefined) {
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(cloudPkPem))
      throw new SourceError(
        'bad-input',
        'cloud-pk.pem is not a PEM private key (no BEGIN PRIVATE KEY line); it is the file /var/lib/eucalyptus/keys/cloud-pk.pem on the cloud controller.',
      );
    // The markers alone let a damaged or forged key through to the first image it fails on.
    try {
      createPrivateKey(cloudPkPem);
    } catch {
      throw new SourceError(
        'bad-input',
        'cloud-pk.pem has PEM markers but no readable private key between them (damaged or truncated); copy /var/lib/eucalyptus/keys/cloud-pk.pem from the cloud controller again.',
      );
    }
    input.cloudPkPem = cloudPkPem;
  }
  if (parts.eucalyptusConf !== undefined) input.eucalyptusConf = parts.eucalyptusConf;
  return input;
}

/** The connection input from the command's flags and the files they name (see mergeSourceInput). */
export async function resolveSourceInput(
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ConnectInput> {
  let credentialsZip: Buffer | undefined;
  if (flags.credentialsZip !== undefined) {
    try {
      credentialsZip = await readFile(flags.credentialsZip);
    } catch (e) {
      throw new SourceError(
        'bad-input',
        `Cannot read ${flags.credentialsZip}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  const eucarcText = await readText(flags.eucarc);
  const cloudPkPem = await readText(flags.cloudPk);
  const eucalyptusConf = await readText(flags.eucaConf);
  const fields: NonNullable<SourceParts['fields']> = {
    ...(flags.ec2Url === undefined ? {} : { ec2Url: flags.ec2Url }),
    ...(flags.s3Url === undefined ? {} : { s3Url: flags.s3Url }),
    ...(flags.euareUrl === undefined ? {} : { euareUrl: flags.euareUrl }),
    ...(flags.accessKey === undefined ? {} : { accessKey: flags.accessKey }),
    ...(flags.secretKey === undefined ? {} : { secretKey: flags.secretKey }),
    ...(flags.clcDb === undefined ? {} : { controllerDbUrl: flags.clcDb }),
  };
  return mergeSourceInput({
    fields,
    env,
    ...(flags.eucarc === undefined
      ? {}
      : { eucarc: { text: eucarcText ?? '', name: flags.eucarc } }),
    ...(credentialsZip === undefined ? {} : { credentialsZip }),
    ...(cloudPkPem === undefined ? {} : { cloudPkPem }),
    ...(eucalyptusConf === undefined ? {} : { eucalyptusConf }),
    missingHint:
      'Give --eucarc, or --ec2-url with --access-key and --secret-key (or EC2_URL, EC2_ACCESS_KEY, EC2_SECRET_KEY).',
  });
}
