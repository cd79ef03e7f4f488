import type { ApiJob } from '@euca2nova/model';
import { StepId, stepPath } from '../../wizard/steps.ts';

export interface JobLink {
  /** Visible text. */
  label: string;
  /** Accessible name: the visible text and which job it belongs to. */
  name: string;
  to: string;
}

export const shortId = (id: string): string => id.slice(0, 8);

/**
 * Where a past job reopens. A migration: its progress, and its report once written. A discovery:
 * the Choose step of its inventory when the Nova target is known (from a plan made of it, or this
 * tab's trail), else the Discover step, else the Nova step to pick a target first.
 */
export function jobLinks(
  job: ApiJob,
  targets: { byInventory: ReadonlyMap<string, string>; fallback?: string | undefined },
): JobLink[] {
  const who = `${job.type === 'migrate' ? 'migration' : 'discovery'} ${shortId(job.id)}`;
  if (job.type === 'migrate') {
    const links: JobLink[] = [
      { label: 'Progress', name: `Progress of ${who}`, to: `/jobs/${job.id}` },
    ];
    if (hasReport(job))
      links.push({ label: 'Report', name: `Report of ${who}`, to: `/jobs/${job.id}/report` });
    return links;
  }
  const target =
    (job.inventoryId === null ? undefined : targets.byInventory.get(job.inventoryId)) ??
    targets.fallback;
  if (job.status === 'succeeded' && job.inventoryId !== null && target !== undefined) {
    const to = stepPath(StepId.Choose, { inventory: job.inventoryId, target });
    if (to !== undefined) return [{ label: 'Choose what moves', name: `Choose from ${who}`, to }];
  }
  if (job.sourceConnectionId === null) return [];
  const source = job.sourceConnectionId;
  const discover =
    target === undefined
      ? undefined
      : stepPath(StepId.Discover, { source, target, discovery: job.id });
  if (discover !== undefined)
    return [{ label: 'Discovery', name: `Discovery step of ${who}`, to: discover }];
  const nova = stepPath(StepId.Nova, { source });
  return nova === undefined
    ? []
    : [{ label: 'Pick a Nova target', name: `Pick a Nova target for ${who}`, to: nova }];
}

/**
 * Whether a migration has a report to open: it ran to the end (a run with failed items writes
 * its report too, and fails so they can be retried).
 */
export function hasReport(job: ApiJob): boolean {
  return (
    job.type === 'migrate' &&
    (job.status === 'succeeded' || (job.status === 'failed' && job.error?.code === 'items-failed'))
  );
}
