import { isFinalJobStatus, type JobProgress } from '@euca2nova/model';
import { Button, Center, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { jobKeys, jobQuery } from '../../api/jobs/jobs.ts';
import { reportSummaryQuery } from '../../api/reports/reports.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatCount } from '../../format.ts';
import { useJobProgress } from '../../progress/useJobProgress.ts';
import { StepPage } from '../../shell/StepPage.tsx';
import { StepId } from '../../wizard/steps.ts';
import { recordTrail } from '../../wizard/trail.ts';
import { FailedItems } from './FailedItems.tsx';
import { JobControls } from './JobControls.tsx';
import { JobHeader } from './JobHeader.tsx';
import { LiveLog } from './LiveLog.tsx';
import { OverallProgress } from './OverallProgress.tsx';
import { PhaseTable } from './PhaseTable.tsx';
import { TransferList } from './TransferList.tsx';
import { useNow } from './useNow.ts';
import type { Halt } from './constants.ts';
import { currentStatus, mayHaveReport, visiblePhases } from './utils.ts';

/** While a job runs, its row is read again this often (heartbeat, owner, where it runs). */
const JOB_ROW_REFRESH_MS = 5000;

function DiscoveryProgress({ progress }: { progress: JobProgress }) {
  return (
    <section aria-labelledby="discovery-title">
      <Title order={3} size="h4" id="discovery-title" mb="xs">
        Read so far
      </Title>
      {progress.discovery.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing read yet.
        </Text>
      ) : (
        <Table striped aria-labelledby="discovery-title">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Resource</Table.Th>
              <Table.Th>Read</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {progress.discovery.map((d) => (
              <Table.Tr key={d.resource}>
                <Table.Td>{d.resource}</Table.Td>
                <Table.Td>
                  {formatCount(d.done)} of {formatCount(d.total)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

/**
 * Step 9: the run as it happens, from the server's snapshot and the live feed after it, so a
 * reload (or a server restart) shows the same state and goes on from there.
 */
export function ProgressStep() {
  const { jobId = '' } = useParams();
  const queryClient = useQueryClient();
  useEffect(() => {
    recordTrail({ job: jobId });
  }, [jobId]);

  const job = useQuery({
    ...jobQuery(jobId),
    refetchInterval: (q) =>
      q.state.data !== undefined && isFinalJobStatus(q.state.data.status)
        ? false
        : JOB_ROW_REFRESH_MS,
  });
  const live = useJobProgress(jobId);
  const status = currentStatus(job.data, live.progress);
  const final = status !== undefined && isFinalJobStatus(status);
  const now = useNow(1000, !final);

  // The feed announces a new status first; the row then brings its error, owner and runsHere.
  useEffect(() => {
    if (status !== undefined)
      void queryClient.invalidateQueries({ queryKey: jobKeys.detail(jobId), exact: true });
  }, [status, jobId, queryClient]);

  const report = useQuery({
    ...reportSummaryQuery(jobId),
    enabled: mayHaveReport(job.data, status),
  });

  const lead =
    'The run goes on in the server whether this page is open or not: leave and come back, or reload, and it shows where the job is.';

  if (job.isPending || live.isPending)
    return (
      <StepPage step={StepId.Progress} lead={lead}>
        <Center p="xl">
          <Loader aria-label="Loading the job" />
        </Center>
      </StepPage>
    );
  // Only a job never read is an error page: a refetch failing later (a server restarting) keeps
  // what is shown, and the feed's state says that it is catching up.
  if (job.data === undefined || live.progress === undefined || status === undefined)
    return (
      <StepPage step={StepId.Progress} lead={lead}>
        <ErrorAlert
          error={job.error ?? live.error ?? 'The job could not be read.'}
          title="This job could not be shown"
          remedy={
            <>
              Check the address, or pick the job from <Link to="/jobs">the list of past jobs</Link>.
            </>
          }
          onRetry={() => {
            void queryClient.invalidateQueries({ queryKey: jobKeys.detail(jobId) });
          }}
        />
      </StepPage>
    );

  const progress = live.progress;
  const halt: Halt | undefined =
    status === 'paused'
      ? 'paused'
      : status === 'cancelled' || status === 'cancelling' || status === 'failed'
        ? 'stopped'
        : undefined;
  return (
    <StepPage step={StepId.Progress} lead={lead}>
      <JobHeader job={job.data} status={status} live={live}>
        <Group justify="space-between">
          <JobControls job={job.data} status={status} now={now} />
          <Group gap="sm">
            {report.isSuccess && (
              <Button component={Link} to={`/jobs/${jobId}/report`}>
                Open the report
              </Button>
            )}
            {final && report.isPending && mayHaveReport(job.data, status) && (
              <Loader size="xs" aria-label="Looking for the report" />
            )}
            {final && report.isError && (
              <Text size="sm" c="dimmed">
                No report: the run stopped before writing one.
              </Text>
            )}
          </Group>
        </Group>
      </JobHeader>
      {job.data.type === 'migrate' ? (
        <Stack gap="lg">
          <OverallProgress progress={progress} />
          <PhaseTable phases={visiblePhases(progress, job.data.type)} now={now} halt={halt} />
          <TransferList transfers={progress.transfers} halt={halt} />
          <FailedItems items={progress.failedItems} />
          <LiveLog progress={progress} />
        </Stack>
      ) : (
        <Stack gap="lg">
          <DiscoveryProgress progress={progress} />
          <LiveLog progress={progress} />
        </Stack>
      )}
    </StepPage>
  );
}
