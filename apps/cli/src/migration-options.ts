import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { addSourceOptions, type SourceFlags } from '@euca2nova/eucalyptus';
import {
  NovaNetworkManagerSchema,
  RESOURCE_KINDS,
  type NovaNetworkManager,
  type PlanSelection,
  type ResourceKind,
} from '@euca2nova/model';
import { openStateDatabase, type OpenState } from '@euca2nova/state';

/** An error the operator can fix; the message says how. `exitCode` 2 = bad input, 3 = blocked. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface StateFlags {
  stateDb?: string;
  dataDir?: string;
}

export interface TargetFlags extends SourceFlags, StateFlags {
  novaDb?: string;
  imagesPath?: string;
  networkManager?: string;
  only?: string;
  users?: string;
  items?: string;
  computeHost?: string;
  volumeHost?: string;
  networkHost?: string;
  json?: boolean;
}

/** How an operator names kinds in `--only`; both the model's names and plural words work. */
const KIND_WORDS: Readonly<Record<string, ResourceKind>> = {
  users: 'user',
  keypairs: 'keyPair',
  'key-pairs': 'keyPair',
  'security-groups': 'securityGroup',
  groups: 'securityGroup',
  networks: 'network',
  addresses: 'address',
  'elastic-ips': 'address',
  images: 'image',
  volumes: 'volume',
  snapshots: 'snapshot',
  instances: 'instance',
};

export function addStateOptions(command: Command): Command {
  return command
    .option(
      '--state-db <url>',
      "euca2nova's own PostgreSQL (default: DATABASE_URL, else the embedded one under --data-dir)",
    )
    .option(
      '--data-dir <dir>',
      'where the embedded PostgreSQL and the state key live (default: EUCA2NOVA_DATA_DIR or .euca2nova)',
    );
}

export function addTargetOptions(command: Command): Command {
  addSourceOptions(command);
  addStateOptions(command);
  return command
    .option('--nova-db <url>', 'PostgreSQL URL of the Nova 2011.1 (Bexar) database')
    .option('--images-path <dir>', "nova-objectstore's images_path")
    .addOption(
      new Option('--network-manager <manager>', 'Nova network manager')
        .choices(['auto', ...NovaNetworkManagerSchema.options])
        .default('auto'),
    )
    .option(
      '--only <kinds>',
      `move only these kinds (and what they need): ${Object.keys(KIND_WORDS).join(',')}`,
    )
    .option('--users <names>', 'move only these users (account/user in 3.x), comma-separated')
    .option(
      '--items <kind:id,…>',
      'move these resources too (alone: only these), e.g. instances:i-1A2B3C4D,images:emi-AB12CD34',
    )
    .option('--compute-host <host>', 'nova-compute host for instances', hostname())
    .option('--volume-host <host>', 'nova-volume host for volumes', hostname())
    .option('--network-host <host>', 'nova-network host for floating IPs', hostname())
    .option('--json', 'print JSON');
}

function kindOf(option: string, word: string): ResourceKind {
  const kind =
    KIND_WORDS[word.toLowerCase()] ?? (RESOURCE_KINDS as readonly string[]).find((k) => k === word);
  if (kind === undefined)
    throw new CliError(
      `${option}: "${word}" is not a kind; use ${Object.keys(KIND_WORDS).join(', ')}.`,
    );
  return kind as ResourceKind;
}

const listOf = (flag: string): string[] =>
  flag
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');

export function selectionOf(flags: TargetFlags): PlanSelection {
  const selection: PlanSelection = {};
  if (flags.only !== undefined) {
    const kinds = listOf(flags.only).map((w) => kindOf('--only', w));
    if (kinds.length > 0) selection.kinds = [...new Set(kinds)];
  }
  if (flags.items !== undefined) {
    const items = listOf(flags.items).map((w) => {
      // Only the first colon separates: key pair and group ids are owner/name, names are free.
      const colon = w.indexOf(':');
      if (colon <= 0 || colon === w.length - 1)
        throw new CliError(`--items: "${w}" is not kind:id, e.g. instance:i-1A2B3C4D.`);
      return { kind: kindOf('--items', w.slice(0, colon)), sourceId: w.slice(colon + 1) };
    });
    if (items.length > 0) selection.items = items;
  }
  if (flags.users !== undefined) {
    const users = flags.users
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    if (users.length > 0) selection.users = users;
  }
  return selection;
}

export function managerOf(flags: TargetFlags): NovaNetworkManager | 'auto' {
  return (flags.networkManager ?? 'auto') as NovaNetworkManager | 'auto';
}

export function requireTarget(flags: TargetFlags): { novaDb: string; imagesPath: string } {
  if (flags.novaDb === undefined || flags.novaDb === '')
    throw new CliError('Give --nova-db: the PostgreSQL URL of the Nova database.');
  if (flags.imagesPath === undefined || flags.imagesPath === '')
    throw new CliError("Give --images-path: nova-objectstore's images_path.");
  return { novaDb: flags.novaDb, imagesPath: resolve(flags.imagesPath) };
}

export function hostsOf(flags: TargetFlags): { compute: string; volume: string; network: string } {
  return {
    compute: flags.computeHost ?? hostname(),
    volume: flags.volumeHost ?? hostname(),
    network: flags.networkHost ?? hostname(),
  };
}

export function dataDirOf(flags: StateFlags): string {
  return resolve(flags.dataDir ?? process.env.EUCA2NOVA_DATA_DIR ?? '.euca2nova');
}

/** The state database as the flags and the environment name it. */
export async function openState(flags: StateFlags, poolSize?: number): Promise<OpenState> {
  const env = process.env;
  return openStateDatabase({
    databaseUrl: flags.stateDb ?? env.DATABASE_URL,
    dataDir: dataDirOf(flags),
    secretKey: env.EUCA2NOVA_SECRET_KEY,
    ...(poolSize === undefined ? {} : { poolSize }),
  });
}
