import { Alert, Button, Center, Group, Loader } from '@mantine/core';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import type { PlanSummary } from '@euca2nova/model';
import { planQuery } from '../api/plans/plans.ts';
import { recordTrail } from '../wizard/trail.ts';
import { ErrorAlert } from './ErrorAlert.tsx';

/**
 * The plan a step of /plans/:planId/… shows. Its ids go on the trail, so the stepper links back
 * to Choose (inventory and target) as well as to this plan's steps.
 */
export function usePlanStep(): { planId: string; plan: UseQueryResult<PlanSummary> } {
  const { planId = '' } = useParams<{ planId: string }>();
  const plan = useQuery({ ...planQuery(planId), enabled: planId !== '' });
  const summary = plan.data;
  useEffect(() => {
    if (planId !== '') recordTrail({ plan: planId });
  }, [planId]);
  useEffect(() => {
    if (summary === undefined) return;
    recordTrail({
      inventory: summary.inventoryId,
      ...(summary.targetConnectionId === null ? {} : { target: summary.targetConnectionId }),
      // A job on the trail belongs to another plan until this one is confirmed.
      ...(summary.confirmedAt === null ? { job: null } : {}),
    });
  }, [summary]);
  return { planId, plan };
}

/** The loading and error states of a plan step; nothing once the plan is there. */
export function PlanPending({ plan }: { plan: UseQueryResult<PlanSummary> }) {
  if (plan.isPending)
    return (
      <Center p="xl">
        <Loader aria-label="Loading the plan" />
      </Center>
    );
  if (plan.isError)
    return (
      <ErrorAlert
        error={plan.error}
        title="The plan could not be read"
        remedy={
          <>
            If the address is old, the plan may be gone: make a new one from the Choose step, or
            open the migration from <Link to="/jobs">past jobs</Link>.
          </>
        }
        onRetry={() => {
          void plan.refetch();
        }}
      />
    );
  return null;
}

/**
 * A notice a step hands to the next page through the router's state (e.g. "the plan was made
 * again"), shown once on arrival.
 */
export function useArrivalNotice(): string | undefined {
  const state: unknown = useLocation().state;
  if (state !== null && typeof state === 'object' && 'notice' in state) {
    const { notice } = state;
    if (typeof notice === 'string') return notice;
  }
  return undefined;
}

export function ArrivalNotice({ title }: { title: string }) {
  const notice = useArrivalNotice();
  if (notice === undefined) return null;
  return (
    <Alert color="blue" title={title} role="status">
      {notice}
    </Alert>
  );
}

/** The way back to a plan's review, for refusals on later steps. */
export function BackToReview({ planId }: { planId: string }) {
  return (
    <Group>
      <Button component={Link} to={`/plans/${planId}/review`} variant="default">
        Back to the review
      </Button>
    </Group>
  );
}
