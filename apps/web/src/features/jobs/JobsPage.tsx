import { Box, Button, Center, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { ApiJob } from '@euca2nova/model';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatTime } from '../../format.ts';
import { jobLinks, shortId, type JobLink } from './jobLinks.ts';
import { JOB_TYPE_LABEL, JobLinks, JobStatusBadge } from './JobParts.tsx';
import { usePastJobs } from './usePastJobs.ts';

const PAGE = 50;
const MAX = 500;

function JobRow({ job, links }: { job: ApiJob; links: JobLink[] }) {
  return (
    <Table.Tr data-testid="job-row" data-job-id={job.id}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {JOB_TYPE_LABEL[job.type]}
        </Text>
        <Text size="xs" c="dimmed" ff="monospace" title={job.id}>
          {shortId(job.id)}
        </Text>
      </Table.Td>
      <Table.Td>
        <JobStatusBadge status={job.status} />
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatTime(job.createdAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{job.finishedAt === null ? '—' : formatTime(job.finishedAt)}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{job.currentPhase ?? '—'}</Text>
      </Table.Td>
      <Table.Td maw={360}>
        <Text size="sm" lineClamp={3} title={job.error?.message}>
          {job.error?.message ?? '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        <JobLinks links={links} />
      </Table.Td>
    </Table.Tr>
  );
}

/** Every discovery and migration, newest first, each reopenable where it left off. */
export function JobsPage() {
  const [limit, setLimit] = useState(PAGE);
  const { jobs, sorted, targets } = usePastJobs(limit);
  useEffect(() => {
    document.title = 'Past jobs · euca2nova';
  }, []);

  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Past jobs</Title>
        <Text c="gray.7" mt={4}>
          Discoveries and migrations, newest first. Open a migration to follow it or read its
          report; open a discovery to choose what moves.
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
          title="The jobs could not be read"
          onRetry={() => {
            void jobs.refetch();
          }}
        />
      )}
      {jobs.isSuccess && sorted.length === 0 && (
        <Stack gap="xs" align="flex-start">
          <Text>No job yet: a discovery or a migration shows here once started.</Text>
          <Button component={Link} to="/migrate/eucalyptus">
            Start a migration
          </Button>
        </Stack>
      )}
      {sorted.length > 0 && (
        <Box
          style={{ overflowX: 'auto' }}
          tabIndex={0}
          role="region"
          aria-label="Past jobs, scrollable"
        >
          <Table striped highlightOnHover aria-label="Past jobs" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Job</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Finished</Table.Th>
                <Table.Th>Phase</Table.Th>
                <Table.Th>Error</Table.Th>
                <Table.Th>Open</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sorted.map((job) => (
                <JobRow key={job.id} job={job} links={jobLinks(job, targets)} />
              ))}
            </Table.Tbody>
          </Table>
        </Box>
      )}
      {jobs.isSuccess && sorted.length >= limit && limit < MAX && (
        <Group>
          <Button
            variant="default"
            onClick={() => {
              setLimit(Math.min(MAX, limit + PAGE));
            }}
          >
            Show older jobs
          </Button>
        </Group>
      )}
    </Stack>
  );
}
