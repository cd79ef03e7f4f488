import { isFinalJobStatus } from '@euca2nova/model';
import {
  Anchor,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { jobListQuery } from '../../api/jobs/jobs.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { JOB_STATUS_LOOK, PHASE_LABELS } from '../../components/jobLabels.ts';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatTime } from '../../format.ts';

/** How many of the newest jobs are listed. */
const LIST_LIMIT = 200;

/** Past (and current) jobs, newest first, each reopenable: its progress, and its report. */
export function JobsPage() {
  const jobs = useQuery({
    ...jobListQuery(LIST_LIMIT),
    // A job still running changes status by itself: keep the list honest while one does.
    refetchInterval: (q) =>
      q.state.data?.some((j) => !isFinalJobStatus(j.status)) === true ? 5000 : false,
  });
  useEffect(() => {
    document.title = 'Past jobs · euca2nova';
  }, []);
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Past jobs</Title>
        <Text c="gray.7" mt={4}>
          Every discovery and migration this server knows, newest first. Open one to follow it or to
          read its report.
        </Text>
      </div>
      {jobs.isPending && (
        <Center p="xl">
          <Loader aria-label="Loading the jobs" />
        </Center>
      )}
      {jobs.isError && (
        <ErrorAlert
          error={jobs.error}
          title="The jobs could not be listed"
          onRetry={() => {
            void jobs.refetch();
          }}
        />
      )}
      {jobs.data?.length === 0 && (
        <Stack align="flex-start">
          <Text>No job yet.</Text>
          <Button component={Link} to="/migrate/eucalyptus">
            Start a migration
          </Button>
        </Stack>
      )}
      {jobs.data !== undefined && jobs.data.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover aria-label="Jobs" data-testid="jobs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Now</Table.Th>
                <Table.Th>Finished</Table.Th>
                <Table.Th>Open</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.data.map((j) => (
                <Table.Tr key={j.id} data-job={j.id}>
                  <Table.Td>{formatTime(j.startedAt ?? j.createdAt)}</Table.Td>
                  <Table.Td>{j.type === 'migrate' ? 'Migration' : 'Discovery'}</Table.Td>
                  <Table.Td>
                    <StatusBadge {...JOB_STATUS_LOOK[j.status]} size="sm" />
                  </Table.Td>
                  <Table.Td>
                    {j.currentPhase === null || isFinalJobStatus(j.status)
                      ? '—'
                      : PHASE_LABELS[j.currentPhase]}
                  </Table.Td>
                  <Table.Td>{j.finishedAt === null ? '—' : formatTime(j.finishedAt)}</Table.Td>
                  <Table.Td>
                    <Group gap="md">
                      <Anchor component={Link} to={`/jobs/${j.id}`}>
                        {isFinalJobStatus(j.status) ? 'Run' : 'Follow'}
                        <VisuallyHidden> of job {j.id}</VisuallyHidden>
                      </Anchor>
                      {j.type === 'migrate' && isFinalJobStatus(j.status) && (
                        <Anchor component={Link} to={`/jobs/${j.id}/report`}>
                          Report<VisuallyHidden> of job {j.id}</VisuallyHidden>
                        </Anchor>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
