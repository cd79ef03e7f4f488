import { useCallback, useSyncExternalStore } from 'react';
import type { Trail } from './steps.ts';

/*
 * The ids of the migration being prepared in this tab (source and target connections, inventory,
 * plan, job), kept in sessionStorage so the stepper can link back to a step left earlier. The URL
 * of each step stays the truth: a step records what its URL carries.
 */

const KEY = 'euca2nova.trail';
const listeners = new Set<() => void>();
let cached: { raw: string | null; trail: Trail } = { raw: null, trail: {} };

function read(): Trail {
  const raw = sessionStorage.getItem(KEY);
  if (raw !== cached.raw) {
    let trail: Trail = {};
    try {
      const parsed: unknown = raw === null ? {} : JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object') trail = parsed;
    } catch {
      trail = {};
    }
    cached = { raw, trail };
  }
  return cached.trail;
}

/** Records ids (an absent key leaves one as it is; null forgets it). */
export function recordTrail(ids: { [K in keyof Trail]?: string | null }): void {
  const next = new Map(Object.entries(read()));
  let changed = false;
  for (const [k, v] of Object.entries(ids)) {
    if (next.get(k) === (v ?? undefined)) continue;
    if (v === null) next.delete(k);
    else next.set(k, v);
    changed = true;
  }
  if (!changed) return;
  sessionStorage.setItem(KEY, JSON.stringify(Object.fromEntries(next)));
  for (const l of listeners) l();
}

export function useTrail(): Trail {
  const subscribe = useCallback((l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return useSyncExternalStore(subscribe, read);
}
