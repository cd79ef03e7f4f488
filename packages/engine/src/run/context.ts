import { connect, type ConnectInput, type SourceConnection } from '@euca2nova/eucalyptus';
import type { Image, Inventory, JobPhase, Plan, PlanItem, ResourceKind } from '@euca2nova/model';
import { prepareWriteInput, type NovaWriteInput } from '@euca2nova/nova';
import { selectedInventory } from '../plan/index.ts';
import type { JobSnapshot, JobStore } from './ports.ts';
import {
  MigrationSpecSchema,
  NovaConnectionSchema,
  SourceConnectionInputSchema,
  type MigrationSpec,
} from './spec.ts';

/** The phase that writes each kind of plan item (snapshots have none: Bexar has no table). */
export const PHASE_OF_KIND: Readonly<Partial<Record<ResourceKind, JobPhase>>> = {
  user: 'users',
  keyPair: 'key-pairs',
  securityGroup: 'security-groups',
  network: 'networks',
  image: 'images',
  instance: 'instances',
  address: 'floating-ips',
  volume: 'volumes',
};

/** Bad job setup (missing plan, unconfirmed plan, unreadable connection): the operator's to fix. */
export class JobSetupError extends Error {
  override readonly name = 'JobSetupError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Everything one process needs to run (part of) a migration job, loaded once. */
export interface JobContext {
  readonly job: JobSnapshot;
  readonly spec: MigrationSpec;
  readonly plan: Plan;
  /** The inventory restricted to what the run writes, secret keys included. */
  readonly inventory: Inventory;
  readonly input: NovaWriteInput;
  readonly novaDb: string;
  readonly images: ReadonlyMap<string, Image>;
  /** Plan items each phase writes (create and skip-identical). */
  readonly itemsByPhase: ReadonlyMap<JobPhase, readonly PlanItem[]>;
  /** The connected source, opened on first use (workers need it, the row phases do not). */
  source(): Promise<SourceConnection>;
  close(): void;
}

export interface LoadContextOptions {
  /** For tests and the CLI: how to open the source (default: `connect`). */
  readonly connectSource?: (input: ConnectInput) => Promise<SourceConnection>;
  /**
   * When to derive `input` (the writers' ids and network plan): `now` (the default), so a bad
   * inventory fails the load, or on first use. Image copies never use it, and for 10,000 instances
   * it is seconds of synchronous work: in a server, its transfer workers loading a job stalled the
   * event loop (the API and every progress client) for 2.6 s of CPU, 11-16 s on a busy machine.
   */
  readonly writeInput?: 'now' | 'on-first-use';
}

export async function loadJobContext(
  store: JobStore,
  jobId: string,
  options: LoadContextOptions = {},
): Promise<JobContext> {
  const job = await store.getJob(jobId);
  if (job.type !== 'migrate' || job.planId === null || job.inventoryId === null)
    throw new JobSetupError('not-a-migration', `Job ${jobId} is not a migration with a plan.`);
  if (job.sourceConnectionId === null || job.targetConnectionId === null)
    throw new JobSetupError('no-connections', `Job ${jobId} has no source or target connection.`);
  const spec = MigrationSpecSchema.parse(job.spec);
  const { plan, confirmedAt } = await store.loadPlan(job.planId);
  if (confirmedAt === null)
    throw new JobSetupError(
      'unconfirmed',
      `Plan ${plan.id} has not been confirmed; a migration only runs a confirmed plan.`,
    );
  const full = await store.loadInventory(job.inventoryId, { secrets: true });
  const inventory = selectedInventory(full, plan);
  const sourceInput = SourceConnectionInputSchema.parse(
    await store.openConnection(job.sourceConnectionId),
  );
  const nova = NovaConnectionSchema.parse(await store.openConnection(job.targetConnectionId));
  let input: NovaWriteInput | undefined;
  const writeInput = (): NovaWriteInput =>
    (input ??= prepareWriteInput(inventory, plan.mappings, spec.hosts));
  if (options.writeInput !== 'on-first-use') writeInput();
  const itemsByPhase = new Map<JobPhase, PlanItem[]>();
  for (const item of plan.items) {
    const phase = PHASE_OF_KIND[item.kind];
    if (phase === undefined) continue;
    if (item.action !== 'create' && item.action !== 'skip-identical') continue;
    const list = itemsByPhase.get(phase) ?? [];
    list.push(item);
    itemsByPhase.set(phase, list);
  }
  let source: Promise<SourceConnection> | undefined;
  const open = options.connectSource ?? connect;
  return {
    job,
    spec,
    plan,
    inventory,
    get input() {
      return writeInput();
    },
    novaDb: nova.databaseUrl,
    images: new Map(inventory.images.map((i) => [i.imageId, i])),
    itemsByPhase,
    source: () =>
      (source ??= open(sourceInput).catch((e: unknown) => {
        // Not cached: the next item tries to connect again (the source may be back).
        source = undefined;
        throw e;
      })),
    close: () => {
      void source?.then((s) => {
        s.close();
      });
    },
  };
}
