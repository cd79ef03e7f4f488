import { connect, type ConnectInput, type SourceConnection } from '@euca2nova/eucalyptus';
import {
  describeTargetProblem,
  initNovaSchema,
  inspectNovaTarget,
  type TargetState,
} from '@euca2nova/nova';

/*
 * Connections as the operator gives them: what may be shown goes into the public part, the rest
 * (keys, passwords, cloud-pk.pem) is sealed by the store and opened only by the process that uses
 * it. A connection's public part never changes, so what a job ran against stays on record.
 */

export interface ConnectionStore {
  saveConnection(
    kind: 'eucalyptus' | 'nova',
    publicPart: Record<string, unknown>,
    secretValue: unknown,
  ): Promise<string>;
  openConnection(id: string): Promise<unknown>;
}

/** What a Nova target is: its database (the URL carries the password) and the image store. */
export interface NovaTargetInput {
  readonly databaseUrl: string;
  /** Absent on connections a CLI run stored: its job's spec names the images path. */
  readonly imagesPath?: string;
}

/** The shown part of a Eucalyptus connection: endpoints, the access key id, what else was given. */
export function sourcePublic(input: ConnectInput): Record<string, unknown> {
  return {
    ec2Url: input.ec2Url,
    ...(input.s3Url === undefined ? {} : { s3Url: input.s3Url }),
    ...(input.euareUrl === undefined ? {} : { euareUrl: input.euareUrl }),
    accessKey: input.accessKey,
    secretStored: true,
    controllerDb: input.controllerDbUrl !== undefined,
    cloudPk: input.cloudPkPem !== undefined,
    eucalyptusConf: input.eucalyptusConf !== undefined,
  };
}

/** The shown part of a Nova connection: host, port, database and role, never the password. */
export function novaPublic(databaseUrl: string, imagesPath?: string): Record<string, unknown> {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname || u.searchParams.get('host') || 'localhost',
    port: u.port === '' ? 5432 : Number(u.port),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    ...(u.username === '' ? {} : { user: decodeURIComponent(u.username) }),
    passwordStored: u.password !== '',
    ...(imagesPath === undefined ? {} : { imagesPath }),
  };
}

/**
 * Store a Eucalyptus connection. `name` (what the operator calls the cloud, typed again to confirm
 * the cutover) is shown, so it goes into the public part only.
 */
export async function saveSourceConnection(
  store: ConnectionStore,
  input: ConnectInput,
  options: { name?: string } = {},
): Promise<string> {
  return store.saveConnection(
    'eucalyptus',
    { ...(options.name === undefined ? {} : { name: options.name }), ...sourcePublic(input) },
    input,
  );
}

/** What naming a cloud reads: the inventory's source connection and where it was read from. */
export interface CloudNameStore {
  getInventoryListing(id: string): Promise<{
    readonly connectionId: string | null;
    readonly metadata: { readonly source: { readonly endpoint: string } };
  }>;
  getConnection(id: string): Promise<{ readonly public: Record<string, unknown> }>;
}

/**
 * The name the operator types to confirm the cutover: the source connection's `name`, else the
 * host of the EC2 endpoint the inventory was read from (a CLI run names no connection).
 */
export async function sourceCloudName(store: CloudNameStore, inventoryId: string): Promise<string> {
  const listing = await store.getInventoryListing(inventoryId);
  if (listing.connectionId !== null) {
    const { name } = (await store.getConnection(listing.connectionId)).public;
    if (typeof name === 'string' && name.trim() !== '') return name;
  }
  const { endpoint } = listing.metadata.source;
  return URL.canParse(endpoint) ? new URL(endpoint).hostname : 'the Eucalyptus cloud';
}

export async function saveTargetConnection(
  store: ConnectionStore,
  input: NovaTargetInput,
): Promise<string> {
  return store.saveConnection('nova', novaPublic(input.databaseUrl, input.imagesPath), {
    databaseUrl: input.databaseUrl,
    ...(input.imagesPath === undefined ? {} : { imagesPath: input.imagesPath }),
  });
}

export async function openSourceConnection(
  store: Pick<ConnectionStore, 'openConnection'>,
  id: string,
): Promise<ConnectInput> {
  return (await store.openConnection(id)) as ConnectInput;
}

export async function openTargetConnection(
  store: Pick<ConnectionStore, 'openConnection'>,
  id: string,
): Promise<NovaTargetInput> {
  return (await store.openConnection(id)) as NovaTargetInput;
}

export interface SourceTestResult {
  readonly version: string;
  readonly majorVersion: 2 | 3;
  readonly userCount: number;
  readonly admin: string;
  readonly signer: string;
  readonly networkMode: string | null;
  readonly controllerDb: boolean;
  readonly cloudPk: boolean;
}

/** A real round trip: probe, sign, prove the keys are an administrator's. Throws a SourceError. */
export async function testSourceConnection(
  input: ConnectInput,
  options: {
    signal?: AbortSignal;
    connectSource?: (input: ConnectInput) => Promise<SourceConnection>;
  } = {},
): Promise<SourceTestResult> {
  const conn = await (options.connectSource ?? ((i) => connect(i, { signal: options.signal })))(
    input,
  );
  try {
    return {
      version: conn.version,
      majorVersion: conn.majorVersion,
      userCount: conn.userCount,
      admin:
        conn.admin.accountNumber === undefined
          ? conn.admin.userName
          : `${conn.admin.accountNumber}/${conn.admin.userName}`,
      signer: conn.signer.api,
      networkMode: conn.network?.mode ?? null,
      controllerDb: conn.hasControllerDb,
      cloudPk: conn.hasCloudPk,
    };
  } finally {
    conn.close();
  }
}

export interface TargetTestResult {
  readonly status: TargetState['status'];
  readonly schemaVersion: number | null;
  readonly writable: boolean;
  /** Why a run could not write here, or null when it can. */
  readonly problem: string | null;
  /** Non-deleted rows in the Nova tables that hold migrated items. */
  readonly rows: number;
  readonly imagesPath: NonNullable<TargetState['imagesPath']> | null;
  /** An empty database can be given the Bexar schema from here (for trials). */
  readonly canInitialise: boolean;
}

/** Connect to the Nova database and look at it: schema version, writability, the image store. */
export async function testTargetConnection(input: NovaTargetInput): Promise<TargetTestResult> {
  const state = await inspectNovaTarget(input.databaseUrl, input.imagesPath);
  let problem = describeTargetProblem(state);
  if (problem === null && input.imagesPath === undefined)
    problem = "Say where Nova's images go: its images_path as seen from this host.";
  else if (problem === null && state.imagesPath?.exists === false)
    problem = `The images path ${input.imagesPath ?? ''} does not exist on the euca2nova host; create it (it is Nova's images_path, e.g. /var/lib/nova/images) or mount it here.`;
  return {
    status: state.status,
    schemaVersion: state.schemaVersion,
    writable: state.writable,
    problem,
    rows: Object.values(state.rowCounts).reduce((n, c) => n + c, 0),
    imagesPath: state.imagesPath ?? null,
    canInitialise: state.status === 'empty' && state.writable,
  };
}

/** Give an empty database the Bexar schema (trials only: a real Nova runs its own db sync). */
export async function initialiseTarget(input: NovaTargetInput): Promise<TargetTestResult> {
  await initNovaSchema(input.databaseUrl);
  return testTargetConnection(input);
}
