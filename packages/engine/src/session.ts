import type { ConnectInput, SourceConnection } from '@euca2nova/eucalyptus';
import type {
  Inventory,
  NovaNetworkManager,
  Plan,
  PlanMappings,
  PlanSelection,
} from '@euca2nova/model';
import { recommendedManager } from '@euca2nova/nova';
import { assertRunnable, createPlan, readTargetSnapshot } from './plan/index.ts';
import { loadJobContext } from './run/context.ts';
import type { TransferAttempt, TransferTask } from '@euca2nova/model';
import type { JobSnapshot, JobStore } from './run/ports.ts';
import { MigrationSpecSchema, type MigrationSpec } from './run/spec.ts';
import { JobContexts, runTransfer } from './run/transfer.ts';
import { novaPublic, saveSourceConnection } from './service/connections.ts';

/*
 * The steps both faces (CLI and server) take around a run: plan against the live target, store
 * what a job needs (secrets sealed), and host transfer workers.
 */

/** The operator's choices, with the defaults an operator would expect. */
export function defaultMappings(
  inventory: Pick<Inventory, 'network'>,
  choices: {
    manager?: NovaNetworkManager | 'auto';
    largeIdStrategy?: PlanMappings['largeIdStrategy'];
    imageIdPrefix?: PlanMappings['imageIdPrefix'];
    instanceTypes?: PlanMappings['instanceTypes'];
  } = {},
): PlanMappings {
  return {
    network: {
      manager:
        choices.manager === undefined || choices.manager === 'auto'
          ? recommendedManager(inventory.network.mode)
          : choices.manager,
      overrides: {},
    },
    // Users keep their ids: emi- stays emi-, large ids widen the columns instead of changing.
    imageIdPrefix: choices.imageIdPrefix ?? 'keep',
    largeIdStrategy: choices.largeIdStrategy ?? 'widen-to-bigint',
    instanceTypes: choices.instanceTypes ?? {},
  };
}

export interface PlanMigrationInput {
  readonly inventory: Inventory;
  readonly selection: PlanSelection;
  readonly mappings: PlanMappings;
  readonly novaDb: string;
  readonly imagesPath: string;
  readonly hosts: MigrationSpec['hosts'];
  readonly signal?: AbortSignal;
}

/** A plan against Nova as it is now (read-only: the writers classify every row in a dry run). */
export async function planMigration(input: PlanMigrationInput): Promise<Plan> {
  const target = await readTargetSnapshot({
    novaDb: input.novaDb,
    imagesPath: input.imagesPath,
    inventory: input.inventory,
    mappings: input.mappings,
    hosts: input.hosts,
    now: new Date(input.inventory.metadata.discoveredAt),
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });
  return createPlan({
    inventory: input.inventory,
    selection: input.selection,
    mappings: input.mappings,
    target,
  });
}

/** What the state database needs to create a job; PgJobStore provides it. */
export interface JobSetupStore extends JobStore {
  saveConnection(
    kind: 'eucalyptus' | 'nova',
    publicPart: Record<string, unknown>,
    secretValue: unknown,
  ): Promise<string>;
  saveInventory(inventory: Inventory, connectionId?: string): Promise<void>;
  savePlan(plan: Plan): Promise<void>;
  confirmPlan(id: string, fingerprint: string): Promise<void>;
  createJob(input: {
    type: 'migrate';
    spec: Record<string, unknown>;
    planId: string;
    inventoryId: string;
    sourceConnectionId: string;
    targetConnectionId: string;
  }): Promise<JobSnapshot>;
}

export interface CreateMigrationJobInput {
  readonly plan: Plan;
  /** The fingerprint the operator confirmed; a plan that changed since is refused. */
  readonly confirmedFingerprint: string;
  readonly inventory: Inventory;
  readonly source: ConnectInput;
  readonly novaDb: string;
  readonly spec: MigrationSpec;
}

/**
 * Store everything a job needs (connections sealed, inventory with its secrets sealed, the plan
 * confirmed by fingerprint) and create it, queued. Refuses a plan with blocking findings or
 * unacknowledged warnings.
 */
export async function createMigrationJob(
  store: JobSetupStore,
  input: CreateMigrationJobInput,
): Promise<JobSnapshot> {
  assertRunnable(input.plan);
  const spec = MigrationSpecSchema.parse(input.spec);
  const sourceConnectionId = await saveSourceConnection(store, input.source);
  const targetConnectionId = await store.saveConnection('nova', novaPublic(input.novaDb), {
    databaseUrl: input.novaDb,
  });
  await store.saveInventory(input.inventory, sourceConnectionId);
  await store.savePlan(input.plan);
  await store.confirmPlan(input.plan.id, input.confirmedFingerprint);
  return store.createJob({
    type: 'migrate',
    spec,
    planId: input.plan.id,
    inventoryId: input.inventory.metadata.inventoryId,
    sourceConnectionId,
    targetConnectionId,
  });
}

/** The queue as workers use it; `TransferQueue` from @euca2nova/state provides it. */
export interface WorkerQueue {
  work(
    concurrency: number,
    handler: (task: TransferTask, attempt: TransferAttempt) => Promise<void>,
  ): Promise<void>;
}

export interface TransferWorkers {
  /** Ends the workers' copies (their partial files stay to be resumed) and forgets cached jobs. */
  stop(): void;
}

/**
 * Take image copies from the queue in this process, `concurrency` at a time: what the CLI runs
 * beside a migration and what `euca2nova worker` runs alone on other machines.
 */
export async function startTransferWorkers(options: {
  readonly store: JobStore;
  readonly queue: WorkerQueue;
  readonly concurrency: number;
  readonly connectSource?: (input: ConnectInput) => Promise<SourceConnection>;
  readonly tickMs?: number;
}): Promise<TransferWorkers> {
  const shutdown = new AbortController();
  const contexts = new JobContexts((jobId) =>
    loadJobContext(options.store, jobId, {
      writeInput: 'on-first-use',
      ...(options.connectSource === undefined ? {} : { connectSource: options.connectSource }),
    }),
  );
  await options.queue.work(options.concurrency, (task, attempt) =>
    runTransfer(
      {
        store: options.store,
        contexts,
        signal: shutdown.signal,
        ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      },
      task,
      attempt,
    ),
  );
  return {
    stop: () => {
      shutdown.abort();
      contexts.closeAll();
    },
  };
}
