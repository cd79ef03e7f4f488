import { Button, Center, Divider, Group, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/http.ts';
import { reportSummaryQuery } from '../../api/reports/reports.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatTime } from '../../format.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';
import { recordTrail } from '../../wizard/trail.ts';
import { OUTCOME_LOOK } from './constants.ts';
import { CountsTable } from './CountsTable.tsx';
import { Downloads } from './Downloads.tsx';
import { IdMapTable } from './IdMapTable.tsx';
import { ReportFacts } from './ReportFacts.tsx';
import { Timings } from './Timings.tsx';
import { UsersView } from './UsersView.tsx';
import { VerificationResult } from './VerificationResult.tsx';

const LEAD =
  'What the migration did, verified against Eucalyptus. The report holds no secret: it can be filed or shared.';

/** Step 10: the verified result first, then counts, timings, ids, users and the downloads. */
export function ReportStep() {
  const { jobId = '' } = useParams();
  useEffect(() => {
    recordTrail({ job: jobId });
  }, [jobId]);
  const report = useQuery(reportSummaryQuery(jobId));

  if (report.isPending)
    return (
      <StepPage step={StepId.Report} lead={LEAD}>
        <Center p="xl">
          <Loader aria-label="Loading the report" />
        </Center>
      </StepPage>
    );
  if (report.data === undefined)
    return (
      <StepPage step={StepId.Report} lead={LEAD}>
        <ErrorAlert
          error={report.error}
          title="There is no report to show"
          remedy={
            report.error instanceof ApiError && report.error.status === 404 ? (
              <>
                A report is written when a migration finishes. Follow the run on{' '}
                <Link to={`/jobs/${jobId}`}>its progress page</Link>, or pick another job from{' '}
                <Link to="/jobs">the past jobs</Link>.
              </>
            ) : undefined
          }
          onRetry={() => {
            void report.refetch();
          }}
        />
      </StepPage>
    );

  const r = report.data;
  return (
    <StepPage step={StepId.Report} lead={LEAD}>
      <Group justify="space-between">
        <Group gap="sm">
          <Text fw={600}>Outcome</Text>
          <div data-testid="report-outcome">
            <StatusBadge tone={OUTCOME_LOOK[r.outcome].tone}>
              {OUTCOME_LOOK[r.outcome].label}
            </StatusBadge>
          </div>
          <Text size="sm" c="dimmed">
            written {formatTime(r.generatedAt)}
          </Text>
        </Group>
        <Group gap="sm">
          <Button component={Link} to={`/jobs/${jobId}`} variant="default">
            Back to the run
          </Button>
          <Button component={Link} to="/jobs" variant="default">
            Past jobs
          </Button>
        </Group>
      </Group>
      <VerificationResult verification={r.verification} />
      <CountsTable counts={r.counts} />
      <Timings timings={r.timings} />
      <Downloads jobId={jobId} />
      <Divider />
      <IdMapTable jobId={jobId} total={r.idMapTotal} changed={r.changedIds} />
      <UsersView jobId={jobId} total={r.usersTotal} />
      <Divider />
      <Stack gap="lg">
        <ReportFacts report={r} />
      </Stack>
    </StepPage>
  );
}
