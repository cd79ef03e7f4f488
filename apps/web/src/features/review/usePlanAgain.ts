import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { planKeys, replan } from '../../api/plans/plans.ts';

/**
 * Plans again with nothing changed: Nova is read as it is now (a row fixed or removed since shows),
 * and the new plan opens on the same step.
 */
export function usePlanAgain(plan: PlanSummary, step: 'network' | 'review') {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => replan(plan.id, {}),
    onSuccess: async (next) => {
      queryClient.setQueryData(planKeys.detail(next.id), next);
      await queryClient.invalidateQueries({ queryKey: planKeys.lists() });
      const errors = next.findings.filter((f) => f.severity === 'error').length;
      const warnings = next.findings.filter(
        (f) => f.severity === 'warning' && f.acknowledged !== true,
      ).length;
      await navigate(`/plans/${next.id}/${step}`, {
        state: {
          notice: `The plan was made again against Nova as it is now: ${
            errors === 0
              ? 'nothing blocks the cutover any more.'
              : `${String(errors)} ${errors === 1 ? 'error still blocks' : 'errors still block'} the cutover.`
          }${warnings === 0 ? '' : ' The warnings of the new plan need acknowledging again.'}`,
        },
      });
    },
  });
}
