import { RESOURCE_KINDS, type PlanSelection, type ResourceKind } from '@euca2nova/model';

/*
 * What the operator picked on the Choose step, kept as sets (a 50,000-row table asks "is this
 * row selected?" per row in view, never scans an array), and how it maps to the plan's
 * PlanSelection: kinds and users make a filter; items add to it, or alone select just those.
 */

export interface ChooseState {
  /** Kinds the filter takes. All of them and no users: everything. None: only picked items. */
  kinds: ReadonlySet<ResourceKind>;
  /** Users the filter is narrowed to; empty: every user. */
  users: ReadonlySet<string>;
  /** Items picked one by one, per kind. */
  items: ReadonlyMap<ResourceKind, ReadonlySet<string>>;
}

export interface ItemRef {
  kind: string;
  sourceId: string;
  owner: string | null;
}

export function initialState(allKinds: readonly ResourceKind[]): ChooseState {
  return { kinds: new Set(allKinds), users: new Set(), items: new Map() };
}

/** Whether the kind-and-user filter takes a row (then picking it by hand adds nothing). */
export function coveredByFilter(state: ChooseState, row: ItemRef): boolean {
  if (!state.kinds.has(row.kind as ResourceKind)) return false;
  if (state.users.size === 0) return true;
  const owner = row.kind === 'user' ? row.sourceId : row.owner;
  return owner !== null && state.users.has(owner);
}

export function isPicked(state: ChooseState, row: ItemRef): boolean {
  return state.items.get(row.kind as ResourceKind)?.has(row.sourceId) === true;
}

export function pickedCount(state: ChooseState): number {
  let n = 0;
  for (const s of state.items.values()) n += s.size;
  return n;
}

/** The plan's selection, or undefined when nothing at all is selected. */
export function toPlanSelection(
  state: ChooseState,
  allKinds: readonly ResourceKind[],
): PlanSelection | undefined {
  const items: { kind: ResourceKind; sourceId: string }[] = [];
  const filterOn = state.kinds.size > 0;
  for (const [kind, ids] of state.items) {
    // Items the filter takes anyway are left out: the selection stays as small as it can be.
    if (filterOn && state.users.size === 0 && state.kinds.has(kind)) continue;
    for (const sourceId of ids) items.push({ kind, sourceId });
  }
  if (!filterOn) return items.length === 0 ? undefined : { items };
  const selection: PlanSelection = {};
  const everyKind = allKinds.every((k) => state.kinds.has(k));
  if (!everyKind) selection.kinds = RESOURCE_KINDS.filter((k) => state.kinds.has(k));
  if (state.users.size > 0) selection.users = [...state.users].sort();
  if (items.length > 0 && (selection.kinds !== undefined || selection.users !== undefined))
    selection.items = items;
  return selection;
}

/** The selection in one sentence. */
export function describeSelection(
  state: ChooseState,
  allKinds: readonly ResourceKind[],
  kindLabel: (k: ResourceKind) => string,
): string {
  const picked = pickedCount(state);
  const items = `${String(picked)} item${picked === 1 ? '' : 's'} picked by hand`;
  if (state.kinds.size === 0) return picked === 0 ? 'Nothing is selected.' : `Only the ${items}.`;
  const everyKind = allKinds.every((k) => state.kinds.has(k));
  if (everyKind && state.users.size === 0) return 'Everything: every user and all they own.';
  const users = [...state.users];
  const whose =
    users.length === 0
      ? ' of every user'
      : users.length === 1
        ? ` of user ${users[0] ?? ''}`
        : ` of ${String(users.length)} users (${users.slice(0, 4).join(', ')}${users.length > 4 ? ', …' : ''})`;
  const checked = allKinds.filter((k) => state.kinds.has(k));
  const unchecked = allKinds.filter((k) => !state.kinds.has(k));
  const what = everyKind
    ? 'Everything'
    : unchecked.length < checked.length
      ? `Everything but ${unchecked.map((k) => kindLabel(k).toLowerCase()).join(', ')},`
      : checked.map(kindLabel).join(', ');
  return `${what}${whose}${picked === 0 ? '' : `, plus ${items}`}.`;
}

// sessionStorage, per inventory: a reload keeps the selection.

const storageKey = (inventoryId: string): string => `euca2nova.choose.${inventoryId}`;

interface Stored {
  kinds: string[];
  users: string[];
  items: Record<string, string[]>;
}

export function loadState(
  inventoryId: string,
  allKinds: readonly ResourceKind[],
): ChooseState | undefined {
  try {
    const raw = sessionStorage.getItem(storageKey(inventoryId));
    if (raw === null) return undefined;
    const s = JSON.parse(raw) as Partial<Stored>;
    const known = new Set<string>(allKinds);
    const kinds = new Set((s.kinds ?? []).filter((k): k is ResourceKind => known.has(k)));
    const items = new Map<ResourceKind, ReadonlySet<string>>();
    for (const [k, ids] of Object.entries(s.items ?? {}))
      if (known.has(k) && Array.isArray(ids) && ids.length > 0)
        items.set(k as ResourceKind, new Set(ids.filter((x) => typeof x === 'string')));
    return {
      kinds,
      users: new Set((s.users ?? []).filter((u) => typeof u === 'string')),
      items,
    };
  } catch {
    return undefined;
  }
}

export function saveState(inventoryId: string, state: ChooseState): void {
  const stored: Stored = {
    kinds: [...state.kinds],
    users: [...state.users],
    items: Object.fromEntries([...state.items].map(([k, ids]) => [k, [...ids]])),
  };
  try {
    sessionStorage.setItem(storageKey(inventoryId), JSON.stringify(stored));
  } catch {
    // A full sessionStorage only costs the selection on reload; the page goes on.
  }
}
