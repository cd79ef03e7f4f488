import type { Inventory, Plan } from '@euca2nova/model';
import { planIds, planNetwork, renderNovaConf, type NetworkPlan } from '@euca2nova/nova';
import { selectedInventory } from '../plan/index.ts';

/** What the Network step shows: the mapping, the networks to create, each instance's fixed IP. */
export interface NetworkView {
  readonly mode: Inventory['network']['mode'];
  readonly modeSource: Inventory['network']['source'];
  readonly manager: NetworkPlan['manager'];
  readonly recommendedManager: NetworkPlan['recommendedManager'];
  readonly networks: NetworkPlan['networks'][number][];
  readonly instances: {
    readonly total: number;
    readonly kept: number;
    readonly changed: number;
    readonly other: number;
    /** A page of them, changed ones first (those are what users notice). */
    readonly rows: NetworkPlan['perInstance'][number][];
  };
  readonly floatingIps: number;
  readonly novaConf: string;
  readonly explanation: string[];
}

/**
 * The network half of a plan, computed as the run will compute it (the selected inventory, the
 * plan's mappings and id strategy), with each instance's fixed IP decision.
 */
export function networkView(
  inventory: Inventory,
  plan: Pick<Plan, 'items' | 'selection' | 'mappings'>,
  page: { offset?: number; limit?: number; status?: 'kept' | 'changed' | 'external' | 'none' } = {},
): NetworkView {
  const selected = selectedInventory(inventory, plan);
  const network = planNetwork(selected, plan.mappings, {
    ids: planIds(selected, plan.mappings.largeIdStrategy),
  });
  const rank = { changed: 0, external: 1, none: 2, kept: 3 } as const;
  const all = [...network.perInstance]
    .filter((i) => page.status === undefined || i.status === page.status)
    .sort((a, b) => rank[a.status] - rank[b.status] || a.instanceId.localeCompare(b.instanceId));
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.min(1000, Math.max(1, page.limit ?? 100));
  const count = (s: string): number => network.perInstance.filter((i) => i.status === s).length;
  return {
    mode: inventory.network.mode,
    modeSource: inventory.network.source,
    manager: network.manager,
    recommendedManager: network.recommendedManager,
    networks: [...network.networks],
    instances: {
      total: network.perInstance.length,
      kept: count('kept'),
      changed: count('changed'),
      other: network.perInstance.length - count('kept') - count('changed'),
      rows: all.slice(offset, offset + limit),
    },
    floatingIps: network.floatingIps.length,
    novaConf: renderNovaConf(network.flags),
    explanation: [...network.explanation],
  };
}
