import { hostname } from 'node:os';
import type {
  Inventory,
  NovaNetworkManager,
  Plan,
  PlanMappings,
  PlanSelection,
  PlanSummary,
} from '@euca2nova/model';
import { z } from 'zod';
import {
  PlanError,
  acknowledgeFindings,
  assertRunnable,
  blockingFindings,
  findingKey,
  unacknowledgedWarnings,
} from '../plan/index.ts';
import type { JobSnapshot } from '../run/ports.ts';
import { MigrationSpecSchema, type MigrationSpec } from '../run/spec.ts';
import { defaultMappings, planMigration, type JobSetupStore } from '../session.ts';
import { planCounts } from './browse.ts';
import { openTargetConnection, sourceCloudName, type CloudNameStore } from './connections.ts';

/** The run settings stored with a plan: where its job copies images and which hosts it names. */
export const PlanSettingsSchema = z.strictObject({
  imagesPath: MigrationSpecSchema.shape.imagesPath,
  hosts: MigrationSpecSchema.shape.hosts,
  imageReadPath: MigrationSpecSchema.shape.imageReadPath,
  stallAfterSeconds: z.number().positive().max(3600).default(30),
});
export type PlanSettings = z.infer<typeof PlanSettingsSchema>;

/** What planning from stored things needs of the state database. */
export interface PlanStore {
  openConnection(id: string): Promise<unknown>;
  loadInventory(id: string, options?: { secrets?: boolean }): Promise<Inventory>;
  getInventoryListing(id: string): Promise<{ connectionId: string | null }>;
  savePlan(
    plan: Plan,
    options?: { targetConnectionId?: string; settings?: Record<string, unknown> },
  ): Promise<void>;
  loadPlan(id: string): Promise<{
    plan: Plan;
    confirmedAt: string | null;
    targetConnectionId: string | null;
    settings: Record<string, unknown> | null;
  }>;
  confirmPlan(id: string, fingerprint: string): Promise<void>;
  createJob: JobSetupStore['createJob'];
}

/** A plan as the state database keeps it. */
export type StoredPlanRecord = Awaited<ReturnType<PlanStore['loadPlan']>>;

/**
 * A stored plan as the Review step shows it: without its items (those come a page at a time),
 * with each finding's key, whether a job may start from it, and the name that confirms it.
 */
export async function planSummary(
  store: CloudNameStore,
  stored: StoredPlanRecord,
): Promise<PlanSummary> {
  const p = stored.plan;
  return {
    cloudName: await sourceCloudName(store, p.inventoryId),
    id: p.id,
    inventoryId: p.inventoryId,
    createdAt: p.createdAt,
    fingerprint: p.fingerprint,
    confirmedAt: stored.confirmedAt,
    targetConnectionId: stored.targetConnectionId,
    settings: stored.settings,
    selection: p.selection,
    mappings: p.mappings,
    counts: planCounts(p),
    pulledIn: p.items.filter((i) => i.pulledInBy !== undefined).length,
    findings: p.findings.map((f) => ({ ...f, key: findingKey(f) })),
    runnable: blockingFindings(p).length === 0 && unacknowledgedWarnings(p).length === 0,
  };
}

/** The operator's mapping choices; anything left out takes `defaultMappings`. */
export interface MappingChoices {
  readonly manager?: NovaNetworkManager | 'auto';
  readonly overrides?: PlanMappings['network']['overrides'];
  readonly largeIdStrategy?: PlanMappings['largeIdStrategy'];
  readonly imageIdPrefix?: PlanMappings['imageIdPrefix'];
  readonly instanceTypes?: PlanMappings['instanceTypes'];
}

export interface PlanRequest {
  readonly inventoryId: string;
  readonly targetConnectionId: string;
  readonly selection: PlanSelection;
  readonly mappings?: MappingChoices;
  /** Default: the Nova connection's images path, and this host's name for every host. */
  readonly settings?: Partial<PlanSettings>;
  readonly signal?: AbortSignal;
}

function mappingsOf(inventory: Inventory, choices: MappingChoices = {}): PlanMappings {
  const base = defaultMappings(inventory, choices);
  return {
    ...base,
    network: { ...base.network, overrides: choices.overrides ?? base.network.overrides },
  };
}

/**
 * Plan a stored inventory against a stored Nova connection, as Nova is now, and store the plan
 * with the target and settings its job will use.
 */
export async function planStored(store: PlanStore, request: PlanRequest): Promise<Plan> {
  // Users' secret keys take part in "identical" (Nova's users row holds them): planning sees them.
  const inventory = await store.loadInventory(request.inventoryId, { secrets: true });
  const target = await openTargetConnection(store, request.targetConnectionId);
  const imagesPath = request.settings?.imagesPath ?? target.imagesPath;
  if (imagesPath === undefined)
    throw new PlanError(
      'no-images-path',
      "Say where Nova's images go (its images_path) on the Nova connection.",
    );
  const host = hostname();
  const settings = PlanSettingsSchema.parse({
    imagesPath,
    hosts: request.settings?.hosts ?? { compute: host, volume: host, network: host },
    ...(request.settings?.imageReadPath === undefined
      ? {}
      : { imageReadPath: request.settings.imageReadPath }),
    ...(request.settings?.stallAfterSeconds === undefined
      ? {}
      : { stallAfterSeconds: request.settings.stallAfterSeconds }),
  });
  const plan = await planMigration({
    inventory,
    selection: request.selection,
    mappings: mappingsOf(inventory, request.mappings),
    novaDb: target.databaseUrl,
    imagesPath: settings.imagesPath,
    hosts: settings.hosts,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  await store.savePlan(plan, { targetConnectionId: request.targetConnectionId, settings });
  return plan;
}

/** Plan again from what a plan was made of, with a new selection or new mappings. */
export async function replanStored(
  store: PlanStore,
  planId: string,
  changes: { selection?: PlanSelection; mappings?: MappingChoices; signal?: AbortSignal },
): Promise<Plan> {
  const stored = await store.loadPlan(planId);
  if (stored.targetConnectionId === null)
    throw new PlanError('no-target', `Plan ${planId} names no Nova connection; plan anew.`);
  const old = stored.plan.mappings;
  return planStored(store, {
    inventoryId: stored.plan.inventoryId,
    targetConnectionId: stored.targetConnectionId,
    selection: changes.selection ?? stored.plan.selection,
    mappings: changes.mappings ?? {
      manager: old.network.manager,
      overrides: old.network.overrides,
      largeIdStrategy: old.largeIdStrategy,
      imageIdPrefix: old.imageIdPrefix,
      instanceTypes: old.instanceTypes,
    },
    ...(stored.settings === null
      ? {}
      : { settings: PlanSettingsSchema.partial().parse(stored.settings) }),
    ...(changes.signal === undefined ? {} : { signal: changes.signal }),
  });
}

/** Acknowledge warnings by `findingKey`; the plan keeps its id and gets a new fingerprint. */
export async function acknowledgeStored(
  store: PlanStore,
  planId: string,
  keys: readonly string[],
): Promise<Plan> {
  const { plan } = await store.loadPlan(planId);
  const next = await acknowledgeFindings(plan, keys);
  await store.savePlan(next);
  return next;
}

/**
 * Start a migration from a plan the operator confirmed by its fingerprint. A fingerprint that is
 * not the stored plan's (it was re-planned or acknowledged since) is refused, as is a plan with
 * blocking findings or unacknowledged warnings. The job is created queued; a runner takes it.
 */
export async function createJobFromPlan(
  store: PlanStore,
  input: { planId: string; fingerprint: string },
): Promise<JobSnapshot> {
  const stored = await store.loadPlan(input.planId);
  if (stored.plan.fingerprint !== input.fingerprint)
    throw new PlanError(
      'stale-confirmation',
      `The confirmation names fingerprint ${input.fingerprint.slice(0, 12)}…, but plan ${input.planId} is now ${stored.plan.fingerprint.slice(0, 12)}…: review the plan again and confirm what it shows.`,
    );
  assertRunnable(stored.plan);
  if (stored.targetConnectionId === null || stored.settings === null)
    throw new PlanError('no-target', `Plan ${input.planId} names no Nova connection; plan anew.`);
  const { connectionId } = await store.getInventoryListing(stored.plan.inventoryId);
  if (connectionId === null)
    throw new PlanError(
      'no-source',
      `The inventory of plan ${input.planId} has no Eucalyptus connection on record; discover again.`,
    );
  const settings = PlanSettingsSchema.parse(stored.settings);
  const spec: MigrationSpec = MigrationSpecSchema.parse({
    imagesPath: settings.imagesPath,
    hosts: settings.hosts,
    stallAfterSeconds: settings.stallAfterSeconds,
    ...(settings.imageReadPath === undefined ? {} : { imageReadPath: settings.imageReadPath }),
  });
  await store.confirmPlan(input.planId, input.fingerprint);
  return store.createJob({
    type: 'migrate',
    spec,
    planId: input.planId,
    inventoryId: stored.plan.inventoryId,
    sourceConnectionId: connectionId,
    targetConnectionId: stored.targetConnectionId,
  });
}
