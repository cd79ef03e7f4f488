import { Alert, Anchor, Divider } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { ArrivalNotice, PlanPending, usePlanStep } from '../../components/PlanStepState.tsx';
import { formatTime } from '../../format.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';
import { CutoverGate } from './CutoverGate.tsx';
import { Decisions } from './Decisions.tsx';
import { Findings } from './Findings.tsx';
import { PlanCounts } from './PlanCounts.tsx';
import { PlanItemsTable, type ItemsFilterState } from './PlanItemsTable.tsx';

export function ReviewStep() {
  const { planId, plan } = usePlanStep();
  const [filter, setFilter] = useState<ItemsFilterState>({});
  const summary = plan.data;

  return (
    <StepPage
      step={StepId.Review}
      lead="What the migration will write, what stands in its way, and the decisions it was planned with. Nothing is written until the cutover."
    >
      <ArrivalNotice title="Planned again" />
      <PlanPending plan={plan} />
      {summary && (
        <>
          {summary.confirmedAt !== null && (
            <Alert color="blue" title="This plan was confirmed">
              It was confirmed on {formatTime(summary.confirmedAt)} and its migration started.{' '}
              <Anchor
                c="inherit"
                underline="always"
                fw={600}
                component={Link}
                to={`/plans/${planId}/cutover`}
              >
                Find its job
              </Anchor>
              .
            </Alert>
          )}
          <CutoverGate plan={summary} />
          <Divider />
          <Findings key={`findings-${summary.id}`} plan={summary} />
          <Divider />
          <PlanCounts
            plan={summary}
            onShowPulledIn={() => {
              setFilter({ pulledIn: 'true' });
            }}
          />
          <PlanItemsTable plan={summary} filter={filter} onFilter={setFilter} />
          <Divider />
          <Decisions key={`decisions-${summary.id}`} plan={summary} />
        </>
      )}
    </StepPage>
  );
}
