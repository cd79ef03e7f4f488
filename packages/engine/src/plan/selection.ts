import type { Inventory, PlanSelection, PulledInBy, ResourceKind } from '@euca2nova/model';
import { projectOfGrantee } from '@euca2nova/nova';
import { PlanError } from './errors.ts';
import { InventoryIndex, itemKey, type ResourceRef } from './resources.ts';

/** One resource the plan covers: selected directly, or pulled in for something that needs it. */
export interface SelectedResource {
  readonly ref: ResourceRef;
  readonly pulledInBy?: PulledInBy;
}

export interface SelectionClosure {
  /** In kind order (RESOURCE_KINDS), then source id. */
  readonly resources: readonly SelectedResource[];
  /** Nova networks belong in the plan: selected as a kind, or needed by a selected instance. */
  readonly includeNetworks: boolean;
  /**
   * The VNET_PUBLICIPS pool (addresses nobody holds) is written as unowned floating IPs only
   * when addresses are selected for the whole cloud; a per-user selection has no claim on it.
   */
  readonly includeAddressPool: boolean;
}

const KIND_ORDER: readonly ResourceKind[] = [
  'user',
  'keyPair',
  'securityGroup',
  'network',
  'address',
  'image',
  'volume',
  'snapshot',
  'instance',
];

export function compareItems(
  a: { kind: ResourceKind; sourceId: string },
  b: { kind: ResourceKind; sourceId: string },
): number {
  const k = KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  if (k !== 0) return k;
  const x = a.sourceId.toLowerCase();
  const y = b.sourceId.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

type Dependency = { readonly ref: ResourceRef; readonly relation: PulledInBy['relation'] };

/**
 * What a resource cannot work without in Nova, with why. Nothing for what is never written
 * (snapshots, instances that have ended): it must not drag live resources into the plan.
 */
export function dependenciesOf(index: InventoryIndex, ref: ResourceRef): Dependency[] {
  const out: Dependency[] = [];
  const r0 = ref.resource;
  if (
    r0.kind === 'snapshot' ||
    (r0.kind === 'instance' &&
      (r0.value.state.name === 'terminated' || r0.value.state.name === 'shutting-down'))
  )
    return out;
  const push = (d: ResourceRef | undefined, relation: PulledInBy['relation']): void => {
    if (d !== undefined) out.push({ ref: d, relation });
  };
  const r = ref.resource;
  if (r.kind !== 'user') {
    push(index.ownerRef(r.value.owner), 'owner');
  }
  switch (r.kind) {
    case 'instance': {
      const i = r.value;
      const project = ref.project;
      if (project !== undefined) {
        if (i.keyName !== undefined) push(index.keyPair(project, i.keyName), 'key-pair');
        // Nova puts an instance started without groups into `default`, as Eucalyptus did.
        const groups = i.groups.length > 0 ? i.groups.map((g) => g.groupName) : ['default'];
        for (const g of groups) push(index.securityGroup(project, g), 'security-group');
      }
      push(index.get('image', i.imageId), 'image');
      if (i.kernelId !== undefined) push(index.get('image', i.kernelId), 'kernel');
      if (i.ramdiskId !== undefined) push(index.get('image', i.ramdiskId), 'ramdisk');
      for (const v of index.volumesAttachedTo(i.instanceId)) push(v, 'attached-volume');
      for (const a of index.addressesAssociatedWith(i.instanceId)) push(a, 'associated-address');
      break;
    }
    case 'image':
      if (r.value.kernelId !== undefined) push(index.get('image', r.value.kernelId), 'kernel');
      if (r.value.ramdiskId !== undefined) push(index.get('image', r.value.ramdiskId), 'ramdisk');
      break;
    case 'securityGroup':
      for (const rule of r.value.rules) {
        for (const grant of rule.groups) {
          const project = projectOfGrantee(grant.userId, index.inventory);
          const g = index.securityGroup(project, grant.groupName);
          if (g !== ref) push(g, 'granted-group');
        }
      }
      break;
    default:
      break;
  }
  return out;
}

/**
 * The kind/user filter of a selection, or null when it matches nothing: a selection of picked
 * items alone selects just those, whereas no field at all means the whole cloud.
 */
function filterOf(selection: PlanSelection): Pick<PlanSelection, 'kinds' | 'users'> | null {
  if (
    selection.items !== undefined &&
    selection.kinds === undefined &&
    selection.users === undefined
  )
    return null;
  return {
    ...(selection.kinds === undefined ? {} : { kinds: selection.kinds }),
    ...(selection.users === undefined ? {} : { users: selection.users }),
  };
}

function matchesFilter(ref: ResourceRef, filter: Pick<PlanSelection, 'kinds' | 'users'>): boolean {
  if (filter.kinds !== undefined && !filter.kinds.includes(ref.kind)) return false;
  if (filter.users === undefined) return true;
  const who = ref.kind === 'user' ? ref.sourceId : ref.owner;
  return who !== undefined && filter.users.includes(who);
}

/**
 * Whether the VNET_PUBLICIPS pool (addresses nobody holds) belongs in the plan: only when the
 * selection takes addresses for the whole cloud. Neither a per-user selection nor addresses picked
 * one by one have a claim on it.
 */
export function includesAddressPool(selection: PlanSelection): boolean {
  const filter = filterOf(selection);
  return (
    filter !== null &&
    filter.users === undefined &&
    (filter.kinds === undefined || filter.kinds.includes('address'))
  );
}

/**
 * The inventory resources `selection.items` names, by item key. Every one must be there: a
 * selection naming what the inventory lacks (a typo, an inventory discovered since) is refused
 * rather than planned without it. Networks are derived from the network configuration, so they
 * cannot be picked one by one.
 */
function pickedItems(index: InventoryIndex, selection: PlanSelection): Set<string> {
  const picked = new Set<string>();
  if (selection.items === undefined) return picked;
  const unknown: string[] = [];
  let networks = false;
  for (const item of selection.items) {
    if (item.kind === 'network') {
      networks = true;
      continue;
    }
    const ref = index.get(item.kind, item.sourceId);
    if (ref === undefined) unknown.push(`${item.kind} ${item.sourceId}`);
    else picked.add(itemKey(ref.kind, ref.sourceId));
  }
  if (networks)
    throw new PlanError(
      'unknown-items',
      'Networks cannot be picked one by one: they follow from the network configuration. Select the kind "network", or the instances that need them.',
    );
  if (unknown.length > 0)
    throw new PlanError(
      'unknown-items',
      `The selection names ${String(unknown.length)} item(s) this inventory does not have: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}. Pick items from the inventory the plan is made from.`,
    );
  return picked;
}

/**
 * The selection plus everything it needs, transitively: an instance brings its owner, key
 * pair, groups, image, kernel, ramdisk, attached volumes and associated address; an image its
 * owner, kernel and ramdisk; a group the groups it grants to; everything its owner. Each
 * pulled-in resource says which item needed it first and why. Pure.
 */
export function selectWithDependencies(
  inventory: Inventory | InventoryIndex,
  selection: PlanSelection,
): SelectionClosure {
  const index = inventory instanceof InventoryIndex ? inventory : new InventoryIndex(inventory);
  const picked = pickedItems(index, selection);
  const filter = filterOf(selection);
  const chosen = new Map<string, SelectedResource>();
  const queue: ResourceRef[] = [];
  for (const ref of [...index.refs].sort(compareItems)) {
    const direct =
      picked.has(itemKey(ref.kind, ref.sourceId)) ||
      (filter !== null && matchesFilter(ref, filter));
    if (!direct) continue;
    chosen.set(itemKey(ref.kind, ref.sourceId), { ref });
    queue.push(ref);
  }
  // Breadth first in sorted order, so "pulled in by" names the same item on every run.
  for (let i = 0; i < queue.length; i++) {
    const ref = queue[i] as ResourceRef;
    for (const dep of dependenciesOf(index, ref)) {
      const key = itemKey(dep.ref.kind, dep.ref.sourceId);
      if (chosen.has(key)) continue;
      chosen.set(key, {
        ref: dep.ref,
        pulledInBy: { kind: ref.kind, sourceId: ref.sourceId, relation: dep.relation },
      });
      queue.push(dep.ref);
    }
  }
  const resources = [...chosen.values()].sort((a, b) => compareItems(a.ref, b.ref));
  return {
    resources,
    includeNetworks:
      (filter !== null && (filter.kinds === undefined || filter.kinds.includes('network'))) ||
      resources.some((r) => r.ref.kind === 'instance'),
    includeAddressPool: includesAddressPool(selection),
  };
}
