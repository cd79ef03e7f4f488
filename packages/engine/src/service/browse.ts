import type {
  Inventory,
  Plan,
  PlanAction,
  PlanSelection,
  ResourceKind,
  SelectionPreview,
} from '@euca2nova/model';
import { InventoryIndex, type Resource, type ResourceRef } from '../plan/resources.ts';
import { selectWithDependencies } from '../plan/selection.ts';

/*
 * Server-side pages of an inventory and a plan: a 50,000-item cloud is filtered, sorted and cut
 * here, so the browser receives one page, never the whole.
 */

/** One inventory item as a table shows it, with the item itself for its detail view. */
export interface InventoryRow {
  readonly kind: ResourceRef['kind'];
  readonly sourceId: string;
  readonly owner: string | null;
  readonly name: string | null;
  readonly state: string | null;
  readonly sizeBytes: number | null;
  readonly item: Record<string, unknown>;
}

export const INVENTORY_SORTS = ['sourceId', 'owner', 'name', 'state', 'sizeBytes'] as const;
export type InventorySort = (typeof INVENTORY_SORTS)[number];

export interface PageQuery<S extends string> {
  readonly q?: string;
  readonly owner?: string;
  readonly sort?: S;
  readonly order?: 'asc' | 'desc';
  readonly offset?: number;
  readonly limit?: number;
}

export interface Page<T> {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly rows: T[];
}

const GiB = 1024 ** 3;

function describe(r: Resource): Pick<InventoryRow, 'name' | 'state' | 'sizeBytes'> {
  switch (r.kind) {
    case 'user':
      return {
        name: r.value.userName,
        state: r.value.enabled ? 'enabled' : 'disabled',
        sizeBytes: null,
      };
    case 'image':
      return {
        name: r.value.name ?? r.value.imageLocation ?? null,
        state: r.value.imageState,
        sizeBytes: r.value.sizeBytes ?? null,
      };
    case 'instance':
      return {
        name: r.value.privateIpAddress ?? null,
        state: r.value.state.name,
        sizeBytes: null,
      };
    case 'volume':
      return { name: null, state: r.value.status, sizeBytes: r.value.sizeGiB * GiB };
    case 'snapshot':
      return { name: r.value.description ?? null, state: r.value.status, sizeBytes: null };
    case 'address':
      return { name: r.value.instanceId ?? null, state: r.value.state, sizeBytes: null };
    case 'securityGroup':
      return { name: r.value.groupName, state: null, sizeBytes: null };
    case 'keyPair':
      return { name: r.value.keyName, state: null, sizeBytes: null };
  }
}

// One collator for every comparison: localeCompare with options builds one per call, which made
// sorting 50,000 items by owner take 2.4 s instead of 0.1 s.
const collator = new Intl.Collator('en', { numeric: true });

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number'
    ? a - b
    : collator.compare(String(a), String(b));
}

/** One page of rows: `offset` from 0, `limit` 1 to 1000 (100 when absent). */
export function pageOf<T>(rows: readonly T[], query: PageQuery<string>): Page<T> {
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.min(1000, Math.max(1, query.limit ?? 100));
  return { total: rows.length, offset, limit, rows: rows.slice(offset, offset + limit) };
}

export interface InventoryOverview {
  readonly counts: Partial<Record<ResourceRef['kind'], number>>;
  readonly imageBytes: number;
  readonly users: {
    readonly user: string;
    readonly counts: Partial<Record<ResourceRef['kind'], number>>;
    readonly imageBytes: number;
  }[];
}

/** An inventory indexed once for paging (secret keys are not in it: load it without them). */
export class InventoryBrowser {
  readonly inventory: Inventory;
  /** Built once: a selection preview closes over it without indexing the inventory again. */
  readonly index: InventoryIndex;
  readonly #rows: readonly InventoryRow[];

  constructor(inventory: Inventory) {
    this.inventory = inventory;
    this.index = new InventoryIndex(inventory);
    this.#rows = this.index.refs.map((ref) => ({
      kind: ref.kind,
      sourceId: ref.sourceId,
      owner: ref.owner ?? null,
      ...describe(ref.resource),
      item: ref.resource.value,
    }));
  }

  page(query: PageQuery<InventorySort> & { kind?: ResourceRef['kind'] }): Page<InventoryRow> {
    const q = query.q?.trim().toLowerCase();
    let rows = this.#rows.filter(
      (r) =>
        (query.kind === undefined || r.kind === query.kind) &&
        (query.owner === undefined || r.owner === query.owner) &&
        (q === undefined ||
          q === '' ||
          r.sourceId.toLowerCase().includes(q) ||
          (r.owner?.toLowerCase().includes(q) ?? false) ||
          (r.name?.toLowerCase().includes(q) ?? false)),
    );
    if (query.sort !== undefined) {
      const key = query.sort;
      const sign = query.order === 'desc' ? -1 : 1;
      rows = [...rows].sort((a, b) => sign * compare(a[key], b[key]));
    }
    return pageOf(rows, query);
  }

  overview(): InventoryOverview {
    const counts: Partial<Record<ResourceRef['kind'], number>> = {};
    const perUser = new Map<
      string,
      { counts: Partial<Record<ResourceRef['kind'], number>>; imageBytes: number }
    >();
    let imageBytes = 0;
    for (const r of this.#rows) {
      counts[r.kind] = (counts[r.kind] ?? 0) + 1;
      const owner = r.kind === 'user' ? r.sourceId : r.owner;
      if (owner === null) continue;
      let u = perUser.get(owner);
      if (u === undefined) {
        u = { counts: {}, imageBytes: 0 };
        perUser.set(owner, u);
      }
      if (r.kind !== 'user') u.counts[r.kind] = (u.counts[r.kind] ?? 0) + 1;
      if (r.kind === 'image') {
        imageBytes += r.sizeBytes ?? 0;
        u.imageBytes += r.sizeBytes ?? 0;
      }
    }
    return {
      counts,
      imageBytes,
      users: [...perUser.entries()]
        .map(([user, v]) => ({ user, ...v }))
        .sort((a, b) => a.user.localeCompare(b.user)),
    };
  }
}

/** Pulled-in resources a preview lists; the counts cover them all. */
export const PREVIEW_PULLED_IN_LIMIT = 500;

/**
 * What a selection covers before any plan is made: per kind, how many resources it picks and how
 * many their dependencies pull in, and the first pulled-in ones with what needed them. Throws
 * `PlanError` `unknown-items` as planning would. Networks are not counted: they follow from the
 * network configuration and the mappings, which a plan chooses.
 */
export function previewSelection(
  inventory: Inventory | InventoryIndex,
  selection: PlanSelection,
): SelectionPreview {
  const closure = selectWithDependencies(inventory, selection);
  const counts: Record<string, { selected: number; pulledIn: number }> = {};
  const pulledIn: SelectionPreview['pulledIn'] = [];
  let pulledInTotal = 0;
  for (const { ref, pulledInBy } of closure.resources) {
    const c = (counts[ref.kind] ??= { selected: 0, pulledIn: 0 });
    if (pulledInBy === undefined) {
      c.selected += 1;
      continue;
    }
    c.pulledIn += 1;
    pulledInTotal += 1;
    if (pulledIn.length < PREVIEW_PULLED_IN_LIMIT)
      pulledIn.push({
        kind: ref.kind,
        sourceId: ref.sourceId,
        owner: ref.owner ?? null,
        pulledInBy,
      });
  }
  return { counts, pulledInTotal, pulledIn };
}

export const PLAN_SORTS = ['sourceId', 'owner', 'kind', 'action'] as const;
export type PlanSort = (typeof PLAN_SORTS)[number];

/** A page of a plan's items, filtered by kind, action, owner and text. */
export function pagePlanItems(
  plan: Plan,
  query: PageQuery<PlanSort> & {
    kind?: ResourceKind;
    action?: PlanAction;
    pulledIn?: boolean;
  },
): Page<Plan['items'][number]> {
  const q = query.q?.trim().toLowerCase();
  let rows = plan.items.filter(
    (i) =>
      (query.kind === undefined || i.kind === query.kind) &&
      (query.action === undefined || i.action === query.action) &&
      (query.owner === undefined || i.owner === query.owner) &&
      (query.pulledIn === undefined || (i.pulledInBy !== undefined) === query.pulledIn) &&
      (q === undefined ||
        q === '' ||
        i.sourceId.toLowerCase().includes(q) ||
        (i.targetId?.toLowerCase().includes(q) ?? false) ||
        (i.owner?.toLowerCase().includes(q) ?? false)),
  );
  if (query.sort !== undefined) {
    const key = query.sort;
    const sign = query.order === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => sign * compare(a[key] ?? null, b[key] ?? null));
  }
  return pageOf(rows, query);
}

/** Items per kind and action: what the Review step shows before the items themselves. */
export function planCounts(plan: Plan): Record<string, Partial<Record<PlanAction, number>>> {
  const out: Record<string, Partial<Record<PlanAction, number>>> = {};
  for (const i of plan.items) {
    const k = (out[i.kind] ??= {});
    k[i.action] = (k[i.action] ?? 0) + 1;
  }
  return out;
}
