import { createHash, randomUUID } from 'node:crypto';
import {
  PlanSchema,
  planFingerprint,
  type Finding,
  type Image,
  type Inventory,
  type Plan,
  type PlanAction,
  type PlanItem,
  type PlanMappings,
  type PlanSelection,
} from '@euca2nova/model';
import {
  buildImageInfo,
  novaImageId,
  novaUserIdOf,
  planIds,
  prepareWriteInput,
  type IdPlan,
  type NovaWriteInput,
} from '@euca2nova/nova';
import { PlanBlockedError, PlanError } from './errors.ts';
import { InventoryIndex, boundedId, itemKey, type ResourceRef } from './resources.ts';
import { runRules, type PlannedResource, type RuleContext } from './rules.ts';
import { compareItems, includesAddressPool, selectWithDependencies } from './selection.ts';
import type { TargetImageStore, TargetItemState, TargetSnapshot } from './target.ts';

export interface PlanOutcome {
  readonly items: PlanItem[];
  readonly findings: Finding[];
}

/** Hosts only name rows; ids and the network plan do not depend on them. */
const PLANNING_HOSTS: NovaWriteInput['hosts'] = {
  compute: 'nova-compute',
  volume: 'nova-volume',
  network: 'nova-network',
};

const LIVE_VOLUME = new Set(['available', 'in-use']);

/** Why a resource cannot be written at all, whatever the target holds; undefined if it can. */
function unsupportedReason(ref: ResourceRef, mappings: PlanMappings): string | undefined {
  const r = ref.resource;
  const ownerUnknown = "its owner is not among the inventory's users";
  switch (r.kind) {
    case 'user':
      return undefined;
    case 'keyPair':
      if (ref.project === undefined) return ownerUnknown;
      if (r.value.publicKey === undefined)
        return 'the Eucalyptus database has no public key for it';
      return undefined;
    case 'securityGroup':
      return ref.project === undefined ? ownerUnknown : undefined;
    case 'address':
      if (mappings.network.manager === 'none')
        return 'no Nova network manager ("none"): Bexar has no floating IPs without nova-network';
      if (r.value.state !== 'unallocated' && ref.project === undefined) return ownerUnknown;
      return undefined;
    case 'image':
      if (ref.project === undefined) return ownerUnknown;
      if (r.value.imageState === 'deregistered' || r.value.imageState === 'failed')
        return `image state ${r.value.imageState}`;
      if (r.value.imageLocation === undefined)
        return 'EBS-backed: there is no bundle to copy, and Bexar boots only images from its image store';
      return undefined;
    case 'volume':
      if (ref.project === undefined) return ownerUnknown;
      if (!LIVE_VOLUME.has(r.value.status))
        return `status ${r.value.status}: Bexar's nova-volume only starts with available or in-use volumes`;
      return undefined;
    case 'snapshot':
      return 'Bexar has no snapshots table';
    case 'instance':
      if (r.value.state.name === 'terminated' || r.value.state.name === 'shutting-down')
        return `state ${r.value.state.name}: only live instances are migrated`;
      if (ref.project === undefined) return ownerUnknown;
      return undefined;
  }
}

/** The image store's copy of an image against what the run would write. */
function imageTargetState(
  ref: ResourceRef,
  image: Image,
  inventory: Inventory,
  mappings: PlanMappings,
  store: TargetImageStore | undefined,
): TargetItemState | undefined {
  if (store?.exists !== true || ref.project === undefined) return undefined;
  const id = novaImageId(image.imageId, mappings.imageIdPrefix);
  const existing = store.images.find((i) => i.imageId === id);
  if (existing === undefined) return undefined;
  const wanted = buildImageInfo(image, inventory, mappings.imageIdPrefix) as unknown as Readonly<
    Record<string, unknown>
  >;
  const differences: TargetItemState['differences'][number][] = [];
  if (existing.info === null) {
    differences.push({ row: 'image', field: 'info.json', existing: '(unreadable)', wanted: id });
  } else {
    const info = existing.info;
    const keys = [...new Set([...Object.keys(info), ...Object.keys(wanted)])].sort();
    for (const k of keys) {
      const a = JSON.stringify(info[k]) as string | undefined;
      const b = JSON.stringify(wanted[k]) as string | undefined;
      if (a !== b)
        differences.push({
          row: 'image',
          field: `info.json ${k}`,
          existing: a ?? null,
          wanted: b ?? null,
        });
    }
  }
  if (image.sizeBytes !== undefined && existing.bytes !== image.sizeBytes) {
    differences.push({
      row: 'image',
      field: 'image size',
      existing: existing.bytes === null ? '(no image file)' : String(existing.bytes),
      wanted: String(image.sizeBytes),
    });
  }
  return {
    kind: 'image',
    sourceId: ref.sourceId,
    state: differences.length > 0 ? 'conflict' : 'identical',
    differences,
  };
}

function actionFromTarget(state: TargetItemState | undefined): {
  action: PlanAction;
  reason?: string;
} {
  if (state === undefined) return { action: 'create' };
  switch (state.state) {
    case 'identical':
      return { action: 'skip-identical' };
    case 'partial':
      return {
        action: 'create',
        reason: 'Partly in Nova already: the identical rows are kept, the missing ones added.',
      };
    case 'conflict': {
      const fields = [...new Set(state.differences.map((d) => `${d.row}.${d.field}`))];
      return {
        action: 'conflict',
        reason: `Already in Nova with different data (${fields.slice(0, 12).join(', ')}${fields.length > 12 ? ', …' : ''}).`,
      };
    }
  }
}

const keptAction = (a: PlanAction): boolean => a === 'create' || a === 'skip-identical';

/**
 * The inventory restricted to `keep` (item keys), plus the owners of what is kept, so the
 * writers can still name every project. Snapshots never; the VNET_PUBLICIPS pool only when
 * `includeAddressPool`. Availability zones, network configuration, metadata and discovery
 * findings stay as they are.
 */
export function restrictInventory(
  index: InventoryIndex,
  keep: ReadonlySet<string>,
  includeAddressPool: boolean,
): Inventory {
  const inventory = index.inventory;
  const kept = new Set<object>();
  for (const ref of index.refs) {
    if (!keep.has(itemKey(ref.kind, ref.sourceId))) continue;
    kept.add(ref.resource.value);
    if (ref.resource.kind !== 'user') {
      const owner = index.ownerUser(ref.resource.value.owner);
      if (owner !== undefined) kept.add(owner);
    }
  }
  const only = <T extends object>(list: readonly T[]): T[] => list.filter((x) => kept.has(x));
  const { publicIps, ...vnet } = inventory.network.vnet;
  return {
    ...inventory,
    users: only(inventory.users),
    images: only(inventory.images),
    volumes: only(inventory.volumes),
    snapshots: [],
    addresses: only(inventory.addresses),
    securityGroups: only(inventory.securityGroups),
    keyPairs: only(inventory.keyPairs),
    instances: only(inventory.instances),
    network: {
      ...inventory.network,
      vnet: includeAddressPool && publicIps !== undefined ? { ...vnet, publicIps } : vnet,
    },
  };
}

function targetIdOf(
  ref: ResourceRef,
  mappings: PlanMappings,
  ids: IdPlan,
  fallbackIds: IdPlan,
): string | undefined {
  const r = ref.resource;
  switch (r.kind) {
    case 'user':
      return novaUserIdOf(r.value);
    case 'keyPair':
      return ref.project === undefined ? undefined : boundedId(`${ref.project}/${r.value.keyName}`);
    case 'securityGroup':
      return ref.project === undefined
        ? undefined
        : boundedId(`${ref.project}/${r.value.groupName}`);
    case 'address':
      return r.value.publicIp;
    case 'image':
      return novaImageId(r.value.imageId, mappings.imageIdPrefix);
    case 'volume':
      return (ids.volumes.get(r.value.volumeId) ?? fallbackIds.volumes.get(r.value.volumeId))
        ?.novaEc2Id;
    case 'instance':
      return (
        ids.instances.get(r.value.instanceId) ?? fallbackIds.instances.get(r.value.instanceId)
      )?.novaEc2Id;
    case 'snapshot':
      return undefined;
  }
}

/**
 * Everything `plan` decides, before the rules: the items, what the run would write and the
 * writers' input for it. Exposed for the UI (network explanation, id map preview) and tests.
 */
export function analysePlan(
  inventory: Inventory,
  selection: PlanSelection,
  mappings: PlanMappings,
  target: TargetSnapshot,
): RuleContext {
  const index = new InventoryIndex(inventory);
  const closure = selectWithDependencies(index, selection);
  const targetStates = new Map<string, TargetItemState>();
  for (const t of target.items) targetStates.set(itemKey(t.kind, t.sourceId), t);
  for (const { ref } of closure.resources) {
    if (ref.resource.kind !== 'image') continue;
    const st = imageTargetState(ref, ref.resource.value, inventory, mappings, target.imageStore);
    if (st !== undefined) targetStates.set(itemKey(ref.kind, ref.sourceId), st);
  }

  const decided = new Map<string, { action: PlanAction; reason?: string }>();
  for (const { ref } of closure.resources) {
    const key = itemKey(ref.kind, ref.sourceId);
    const why = unsupportedReason(ref, mappings);
    decided.set(
      key,
      why !== undefined
        ? { action: 'unsupported', reason: `Not migrated: ${why}.` }
        : actionFromTarget(targetStates.get(key)),
    );
  }
  // The volume writer gives an attached volume its instance's Nova id, so it needs the instance.
  for (const { ref } of closure.resources) {
    if (ref.resource.kind !== 'volume') continue;
    const key = itemKey(ref.kind, ref.sourceId);
    if (decided.get(key)?.action === 'unsupported') continue;
    const att = ref.resource.value.attachments.find(
      (a) => a.status === 'attached' || a.status === 'attaching',
    );
    if (att === undefined) continue;
    const inst = decided.get(itemKey('instance', att.instanceId));
    if (inst === undefined || !keptAction(inst.action)) {
      decided.set(key, {
        action: 'unsupported',
        reason: `Not migrated: it is attached to ${att.instanceId}, which is ${inst === undefined ? 'not in the plan (select it too)' : 'not migrated'}.`,
      });
    }
  }

  const keep = new Set(
    [...decided.entries()].filter(([, d]) => keptAction(d.action)).map(([k]) => k),
  );
  const kept = restrictInventory(index, keep, closure.includeAddressPool);
  const input = prepareWriteInput(kept, mappings, PLANNING_HOSTS);
  const closureIds = planIds(
    {
      instances: closure.resources.flatMap((r) =>
        r.ref.resource.kind === 'instance' ? [r.ref.resource.value] : [],
      ),
      volumes: closure.resources.flatMap((r) =>
        r.ref.resource.kind === 'volume' ? [r.ref.resource.value] : [],
      ),
    },
    mappings.largeIdStrategy,
  );

  const planned: PlannedResource[] = closure.resources.map(({ ref, pulledInBy }) => {
    const d = decided.get(itemKey(ref.kind, ref.sourceId)) ?? { action: 'create' as const };
    const targetId =
      d.action === 'unsupported' ? undefined : targetIdOf(ref, mappings, input.ids, closureIds);
    const item: PlanItem = {
      kind: ref.kind,
      sourceId: ref.sourceId,
      ...(targetId !== undefined ? { targetId } : {}),
      ...(ref.kind !== 'user' && ref.owner !== undefined ? { owner: ref.owner } : {}),
      action: d.action,
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(pulledInBy !== undefined ? { pulledInBy } : {}),
    };
    return { ref, item };
  });
  const items: PlanItem[] = planned.map((p) => p.item);
  if (closure.includeNetworks) {
    for (const n of input.network.networks) {
      const d = actionFromTarget(targetStates.get(itemKey('network', n.cidr)));
      items.push({
        kind: 'network',
        sourceId: n.cidr,
        targetId: n.cidr,
        action: d.action,
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
      });
    }
  }
  items.sort(compareItems);
  return {
    inventory,
    selection,
    mappings,
    target,
    index,
    planned,
    items,
    targetStates,
    kept,
    input,
  };
}

/**
 * The plan of a migration: one item per resource of the selection and its dependencies, with
 * the Nova id it gets and what the run does with it, and the preflight findings. Pure and
 * deterministic: the same input gives the same output, sorted.
 */
export function plan(
  inventory: Inventory,
  selection: PlanSelection,
  mappings: PlanMappings,
  target: TargetSnapshot,
): PlanOutcome {
  const ctx = analysePlan(inventory, selection, mappings, target);
  return { items: [...ctx.items], findings: runRules(ctx) };
}

export interface CreatePlanOptions {
  readonly inventory: Inventory;
  readonly selection: PlanSelection;
  readonly mappings: PlanMappings;
  readonly target: TargetSnapshot;
  readonly id?: string;
  readonly now?: Date;
}

/** A complete, validated model `Plan` with its fingerprint. */
export async function createPlan(options: CreatePlanOptions): Promise<Plan> {
  const { items, findings } = plan(
    options.inventory,
    options.selection,
    options.mappings,
    options.target,
  );
  return withFingerprint({
    id: options.id ?? randomUUID(),
    inventoryId: options.inventory.metadata.inventoryId,
    createdAt: (options.now ?? new Date()).toISOString(),
    selection: options.selection,
    mappings: options.mappings,
    items,
    findings,
  });
}

async function withFingerprint(content: Omit<Plan, 'fingerprint'>): Promise<Plan> {
  // Parse first so defaults are filled in the same way before hashing (see planFingerprint).
  const parsed = PlanSchema.parse({ ...content, fingerprint: '0'.repeat(64) });
  const rest = withoutFingerprint(parsed);
  return PlanSchema.parse({ ...rest, fingerprint: await planFingerprint(rest) });
}

function withoutFingerprint(p: Plan): Omit<Plan, 'fingerprint'> {
  return Object.fromEntries(Object.entries(p).filter(([key]) => key !== 'fingerprint')) as Omit<
    Plan,
    'fingerprint'
  >;
}

/**
 * A finding's stable name for acknowledgement: its rule id and a hash of its affected ids, so
 * the same finding keeps its key when the plan is made again.
 */
export function findingKey(finding: Pick<Finding, 'ruleId' | 'affectedIds'>): string {
  const h = createHash('sha256')
    .update(JSON.stringify([...finding.affectedIds].sort()))
    .digest('hex')
    .slice(0, 16);
  return `${finding.ruleId}:${h}`;
}

export function blockingFindings(p: Pick<Plan, 'findings'>): Finding[] {
  return p.findings.filter((f) => f.severity === 'error');
}

export function unacknowledgedWarnings(p: Pick<Plan, 'findings'>): Finding[] {
  return p.findings.filter((f) => f.severity === 'warning' && f.acknowledged !== true);
}

/**
 * A new plan (new fingerprint) with the named warnings and infos acknowledged. Errors cannot
 * be acknowledged; an unknown key is refused so a stale confirmation never passes silently.
 */
export async function acknowledgeFindings(p: Plan, keys: readonly string[]): Promise<Plan> {
  const wanted = new Set(keys);
  const known = new Set(p.findings.map(findingKey));
  const unknown = [...wanted].filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new PlanError(
      'unknown-finding',
      `No finding of this plan has the key(s) ${unknown.slice(0, 5).join(', ')}; plan again and acknowledge what it shows.`,
    );
  }
  const errors = p.findings.filter((f) => f.severity === 'error' && wanted.has(findingKey(f)));
  if (errors.length > 0) throw new PlanBlockedError('blocked', errors);
  return withFingerprint({
    ...withoutFingerprint(p),
    findings: p.findings.map((f) => (wanted.has(findingKey(f)) ? { ...f, acknowledged: true } : f)),
  });
}

/** Throw unless the plan may run: no errors, every warning acknowledged. */
export function assertRunnable(p: Pick<Plan, 'findings'>): void {
  const errors = blockingFindings(p);
  if (errors.length > 0) throw new PlanBlockedError('blocked', errors);
  const warnings = unacknowledgedWarnings(p);
  if (warnings.length > 0) throw new PlanBlockedError('unacknowledged', warnings);
}

/**
 * The inventory the run hands to the Nova writers: the items to create or skip as identical,
 * with the owners, zones, network configuration and metadata the writers need. Valid by
 * InventorySchema; ids and the network plan come out as in the plan.
 */
export function selectedInventory(
  inventory: Inventory,
  p: Pick<Plan, 'items' | 'selection'>,
): Inventory {
  const keep = new Set(
    p.items
      .filter((i) => i.kind !== 'network' && keptAction(i.action))
      .map((i) => itemKey(i.kind, i.sourceId)),
  );
  return restrictInventory(new InventoryIndex(inventory), keep, includesAddressPool(p.selection));
}
