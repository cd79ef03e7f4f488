import type { ResourceKind } from '@euca2nova/model';
import { useEffect, useMemo, useState } from 'react';
import { initialState, loadState, saveState, type ChooseState } from './utils.ts';

export interface ChooseActions {
  setKind: (kind: ResourceKind, on: boolean) => void;
  setUsers: (users: readonly string[], on: boolean) => void;
  clearUsers: () => void;
  setItems: (kind: ResourceKind, sourceIds: readonly string[], on: boolean) => void;
  clearItems: (kind?: ResourceKind) => void;
  /** Back to everything. */
  everything: () => void;
  /** No filter: only what is picked by hand. */
  onlyPicked: () => void;
}

/**
 * The Choose step's selection, restored from sessionStorage for this inventory and saved there on
 * every change (a reload keeps it). Each change copies only the set it touches.
 */
export function useChooseState(
  inventoryId: string,
  allKinds: readonly ResourceKind[],
): [ChooseState, ChooseActions] {
  const [state, setState] = useState<ChooseState>(
    () => loadState(inventoryId, allKinds) ?? initialState(allKinds),
  );
  useEffect(() => {
    saveState(inventoryId, state);
  }, [inventoryId, state]);

  const actions = useMemo<ChooseActions>(
    () => ({
      setKind: (kind, on) => {
        setState((s) => {
          const kinds = new Set(s.kinds);
          if (on) kinds.add(kind);
          else kinds.delete(kind);
          return { ...s, kinds };
        });
      },
      setUsers: (names, on) => {
        setState((s) => {
          const users = new Set(s.users);
          for (const u of names) {
            if (on) users.add(u);
            else users.delete(u);
          }
          return { ...s, users };
        });
      },
      clearUsers: () => {
        setState((s) => ({ ...s, users: new Set() }));
      },
      setItems: (kind, sourceIds, on) => {
        setState((s) => {
          const ids = new Set(s.items.get(kind));
          for (const id of sourceIds) {
            if (on) ids.add(id);
            else ids.delete(id);
          }
          const items = new Map(s.items);
          if (ids.size === 0) items.delete(kind);
          else items.set(kind, ids);
          return { ...s, items };
        });
      },
      clearItems: (kind) => {
        setState((s) => {
          if (kind === undefined) return { ...s, items: new Map() };
          const items = new Map(s.items);
          items.delete(kind);
          return { ...s, items };
        });
      },
      everything: () => {
        setState(initialState(allKinds));
      },
      onlyPicked: () => {
        setState((s) => ({ ...s, kinds: new Set(), users: new Set() }));
      },
    }),
    [allKinds],
  );
  return [state, actions];
}
