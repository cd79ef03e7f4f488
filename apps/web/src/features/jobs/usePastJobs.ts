import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { isFinalJobStatus, type ApiJob } from '@euca2nova/model';
import { jobListQuery } from '../../api/jobs/jobs.ts';
import { planListQuery } from '../../api/plans/plans.ts';
import { useTrail } from '../../wizard/trail.ts';

/** While a job is still moving, the list follows it; once all are final it stops asking. */
const refetchWhileActive = (jobs: ApiJob[] | undefined): number | false =>
  jobs?.some((j) => !isFinalJobStatus(j.status)) === true ? 3000 : false;

/** Past jobs, newest first, and the Nova target each inventory was planned against. */
export function usePastJobs(limit: number) {
  const jobs = useQuery({
    ...jobListQuery(limit),
    refetchInterval: (q) => refetchWhileActive(q.state.data),
    // Asking for more keeps the rows already shown.
    placeholderData: (previous) => previous,
  });
  const plans = useQuery(planListQuery());
  const trail = useTrail();
  const sorted = useMemo(
    () => [...(jobs.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [jobs.data],
  );
  const targets = useMemo(() => {
    const byInventory = new Map<string, string>();
    // Plans come newest first: the first target seen for an inventory is its latest.
    for (const p of plans.data ?? [])
      if (p.targetConnectionId !== null && !byInventory.has(p.inventoryId))
        byInventory.set(p.inventoryId, p.targetConnectionId);
    return { byInventory, fallback: trail.target };
  }, [plans.data, trail.target]);
  return { jobs, sorted, targets };
}
